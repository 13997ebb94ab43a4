#!/bin/sh
# Builds a man page from its template in data/man (meson runs this):
#   mkman.sh TEMPLATE OUTPUT VERSION [PROGRAM]
# @VERSION@ becomes VERSION; @USAGE@ the output of 'PROGRAM --help';
# @COMMANDS@ (nido.1) a section per command from 'PROGRAM help' and
# 'PROGRAM help VERB', so the page lists what the binary accepts.
set -eu
template=$1 output=$2 version=$3 program=${4:-}

# roff-safe text: backslashes, and lines starting with . or '
escape() {
	sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
}

usage() {
	printf '.nf\n'
	"$program" --help 2>&1 | escape
	printf '.fi\n'
}

# One .SS per command; its SYNOPSIS and OPTIONS as 'nido help VERB' has them.
commands() {
	"$program" help | awk '/^ [A-Z].*\(help keyword/ { sub(/^ /, ""); sub(/ \(help keyword.*/, ""); print "@GROUP " $0; next }
		/^    [a-z]/ { print $1 }' |
	while read -r verb rest; do
		if [ "$verb" = "@GROUP" ]; then
			printf '.SS %s\n' "$rest"
			continue
		fi
		"$program" help "$verb" | awk -v verb="$verb" '
			/^  [A-Z]/ { section = $1; next }
			section == "NAME" && NF { sub(/^    [^ ]+ - /, ""); summary = $0 }
			section == "SYNOPSIS" && NF { sub(/^    /, ""); synopsis = $0 }
			section == "DESCRIPTION" && NF { sub(/^    /, ""); desc = desc (desc ? " " : "") $0 }
			section == "OPTIONS" && NF { sub(/^    /, ""); n++; opt[n] = $0 }
			END {
				printf ".TP\n.B %s\n%s", synopsis, summary
				if (desc != "" && desc != summary) printf ". %s", desc
				printf "\n"
				for (i = 1; i <= n; i++) {
					split(opt[i], parts, /  +/)
					text = substr(opt[i], length(parts[1]) + 1)
					sub(/^ +/, "", text)
					printf ".RS\n.TP\n.B %s\n%s\n.RE\n", parts[1], text
				}
			}' | escape_body
	done
}

# Like escape, but the generated roff requests must stay requests.
escape_body() {
	sed -e 's/\\/\\e/g'
}

tmp=$output.tmp
: >"$tmp"
while IFS= read -r line; do
	case $line in
	@USAGE@) usage >>"$tmp" ;;
	@COMMANDS@) commands >>"$tmp" ;;
	*) printf '%s\n' "$line" | sed "s/@VERSION@/$version/g" >>"$tmp" ;;
	esac
done <"$template"
mv "$tmp" "$output"
