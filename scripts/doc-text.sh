#!/bin/sh
# scripts/doc-text.sh - plain text of the software documentation installed on
# a Debian system, to learn word clusters from (`crftag clusters`):
#
#   man pages      /usr/share/man/man[1-8] (English), roff markup stripped
#                  by the perl filter below; Google Cloud CLI pages (gcloud*,
#                  thousands of near-identical generated pages) left out
#   info manuals   /usr/share/info/*.info*, node headers and menus dropped
#   package docs   README*, NEWS*, *.md, *.rst, *.txt under /usr/share/doc
#                  (the first 256 KB of each; changelogs left out)
#
# Writes the text to stdout, files in byte order of their paths, a blank
# line between files, so the output depends only on the installed files:
#
#   sh scripts/doc-text.sh | gzip > doc-text.txt.gz
#
# MAN=DIR, INFO=DIR and DOC=DIR point elsewhere.
set -eu
MAN=${MAN:-/usr/share/man}
INFO=${INFO:-/usr/share/info}
DOC=${DOC:-/usr/share/doc}
export LC_ALL=C

# roff to text: requests and comments dropped, the text arguments of font
# and heading macros kept, escapes removed; paragraph macros end a paragraph
ROFF='
    next if /^[.\x27]\s*\\"/;
    if (/^[.\x27]\s*(\S+)\s*(.*)$/) {
        my ($m, $a) = ($1, $2);
        if ($m =~ /^(PP|P|LP|SH|SS|TP|IP|HP|sp|Sh|Ss|Pp|Bl|El|It|RS|RE)$/) { print "\n"; }
        if ($m =~ /^(SH|SS|B|I|BR|RB|IR|RI|BI|IB|SM|SB|IP|Sh|Ss|Nm|Nd|Fl|Ar|Xr|Pa|Cm|It|Em|Sy|Li|Dq|Sq|Ql|Va|Ev|Fn|Ft|Fa|Dv|Er|Ic)$/) {
            $_ = "$a\n";
            s/"//g;
        } else {
            next;
        }
    }
    s/\\f(\[[^\]]*\]|\(..|.)//g;
    s/\\\*(\[[^\]]*\]|\(..|.)//g;
    s/\\\((em|en)/ - /g;
    s/\\\((aq|oq|cq)/\x27/g;
    s/\\\((dq|lq|rq|Lq|Rq)/"/g;
    s/\\\(..//g;
    s/\\\[[^\]]*\]//g;
    s/\\s[-+]?\d//g;
    s/\\-/-/g;
    s/\\e/\\/g;
    s/\\ / /g;
    s/\\.//g;
    print;
'
# info: drop node separators (0x1f), "File: ..." node headers and menu lines
INFOF='
    next if /^\x1f/ || /^File: .*Node:/ || /^\* .*::/ || /^\* Menu:/;
    print;
'

find "$MAN"/man[1-8] -type f -name '*.gz' ! -name 'gcloud*' 2>/dev/null | sort |
while read -r f; do
    gzip -dc "$f" 2>/dev/null | perl -ne "$ROFF" || true
    echo
done
find "$INFO" -type f -name '*.info*' 2>/dev/null | sort |
while read -r f; do
    gzip -dcf "$f" 2>/dev/null | perl -ne "$INFOF" || true
    echo
done
find "$DOC" -type f \( -iname 'README*' -o -iname 'NEWS*' -o -iname '*.md' -o -iname '*.md.gz' \
    -o -iname '*.rst' -o -iname '*.rst.gz' -o -iname '*.txt' -o -iname '*.txt.gz' \) \
    ! -path '*/changelogs/*' ! -iname '*changelog*' 2>/dev/null | sort |
while read -r f; do
    gzip -dcf "$f" 2>/dev/null | head -c 262144 || true
    echo
done
