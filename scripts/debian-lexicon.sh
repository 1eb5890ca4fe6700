#!/bin/sh
# Writes a user lexicon (crftag train --lexicon) from what a Debian system
# has installed, nothing from any annotated corpus:
#   Library           installed package names starting with "lib"
#   Application       the other installed package names, and the commands
#                     documented in /usr/share/man/man1
#   Protocol          service names and aliases of /etc/services
#   License           the file names of /usr/share/common-licenses, also with
#                     '-' as a space ("GPL-2" and "GPL 2")
# Names of one character are left out.  Usage: sh scripts/debian-lexicon.sh > lex.txt
set -eu
echo "# user lexicon from this system's packages, man pages, services and licenses"
dpkg-query -W -f '${Package}\n' | awk 'length($0) > 1 { print $0 "\t" (/^lib/ ? "Library" : "Application") }'
if [ -d /usr/share/man/man1 ]; then
    ls /usr/share/man/man1 | sed 's/\.gz$//; s/\.[0-9][A-Za-z0-9]*$//' |
        awk 'length($0) > 1 { print $0 "\tApplication" }'
fi
if [ -f /etc/services ]; then
    sed 's/#.*//' /etc/services |
        awk '{ for (i = 1; i <= NF; i++) if (i != 2 && length($i) > 1) print $i "\tProtocol" }'
fi
if [ -d /usr/share/common-licenses ]; then
    for f in /usr/share/common-licenses/*; do
        n=$(basename "$f")
        printf '%s\tLicense\n' "$n"
        case $n in *-*) printf '%s\tLicense\n' "$(echo "$n" | tr '-' ' ')" ;; esac
    done
fi
