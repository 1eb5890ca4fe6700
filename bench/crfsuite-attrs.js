// crfsuite-attrs.js - a standard CRFsuite feature set (the one of CRFsuite's
// NER and chunking examples and of sklearn-crfsuite's tutorial) written as an
// attribute file for crfsuite.js, from an annotated corpus:
//
//   node crfsuite-attrs.js [--pos] CORPUS ATTR
//
// CORPUS may be gzip-compressed (detected by its magic bytes).  Two formats,
// told apart by the first non-empty line:
//   WikiSER   "<s>" ... "</s>" blocks of TOKEN<TAB>TAG lines (the token may
//             hold spaces);
//   columns   one token a line, a blank line between sentences; fields are
//             TAB-separated when the line holds a TAB, else space-separated;
//             the word is column 0, the label the last column, and with
//             --pos column 1 is a part-of-speech tag (CoNLL-2000).
//             "-DOCSTART-" sentences are skipped.
// ATTR gets "LABEL<TAB>ATTR<TAB>ATTR..." lines, a blank line after each
// sentence.  A summary (format, sentences, tokens, attributes) goes to stderr.
//
// Attributes of token i (all binary; absent when false or out of range):
//   bias
//   w[k]=  lw[k]=  shape[k]=   word, lower-cased word and word shape of
//                              token i+k, k = -2..+2, inside the sentence
//   pre1..pre4=  suf1..suf4=   prefixes / suffixes of token i (as written)
//                              of 1..4 characters, when it is that long
//   is_title is_upper is_digit has_digit has_hyphen has_punct   of token i:
//                              an upper-case letter then no upper-case
//                              letter (at least one lower-case one, or none
//                              at all after a single letter); upper-case
//                              letters and no lower-case ones; only digits
//                              0-9; a digit; a '-'; a punctuation or symbol
//                              character (Unicode P or S)
//   BOS  EOS                   token i is the first / last of the sentence
//   lw[-1]|lw[0]=  lw[0]|lw[+1]=   word bigrams; __BOS__ / __EOS__ stand
//                              for the missing neighbour at the edges
//   with --pos: pos[k]= for k = -2..+2, and pos[-2]|pos[-1]=,
//   pos[-1]|pos[0]=, pos[0]|pos[+1]=, pos[+1]|pos[+2]=
// The word shape maps an upper-case letter to X, any other letter to x, a
// decimal digit to d and keeps any other character, then collapses runs of
// the same character: "McDonald's" -> "XxXx'x", "1,234.5" -> "d,d.d".
'use strict';
const fs = require('fs');
const readline = require('readline');
const zlib = require('zlib');

function openText(file) {
    const fd = fs.openSync(file, 'r');
    const magic = Buffer.alloc(2);
    const n = fs.readSync(fd, magic, 0, 2, 0);
    fs.closeSync(fd);
    const raw = fs.createReadStream(file);
    if (n === 2 && magic[0] === 0x1f && magic[1] === 0x8b)
        return raw.pipe(zlib.createGunzip());
    return raw;
}

// yields [words, labels, pos] per sentence; sets fmt.name on the first line
async function* sentences(file, fmt) {
    const rl = readline.createInterface({ input: openText(file), crlfDelay: Infinity });
    let ws = [], ys = [], ps = [];
    const flush = function* () {
        if (ws.length && ws[0] !== '-DOCSTART-') yield [ws, ys, ps];
        ws = []; ys = []; ps = [];
    };
    for await (let line of rl) {
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (fmt.name === null) {
            if (line.trim() === '') continue;
            fmt.name = line === '<s>' ? 'wikiser' : 'columns';
        }
        if (fmt.name === 'wikiser') {
            if (line === '<s>') continue;
            if (line === '</s>') { yield* flush(); continue; }
            if (line === '') continue;
            const t = line.lastIndexOf('\t');
            if (t < 0) throw new Error(`${file}: no TAB in "${line}"`);
            ws.push(line.slice(0, t));
            ys.push(line.slice(t + 1));
            ps.push('');
            continue;
        }
        if (line.trim() === '') { yield* flush(); continue; }
        const f = line.includes('\t') ? line.split('\t') : line.trim().split(/ +/);
        if (f.length < 2) throw new Error(`${file}: fewer than 2 columns in "${line}"`);
        if (fmt.pos && f.length < 3)
            throw new Error(`${file}: --pos needs WORD POS ... LABEL, got "${line}"`);
        ws.push(f[0]);
        ys.push(f[f.length - 1]);
        ps.push(fmt.pos ? f[1] : '');
    }
    yield* flush();
}

function shape(w) {
    let s = '', last = '';
    for (const ch of w) {
        let c;
        if (/\p{Lu}/u.test(ch)) c = 'X';
        else if (/\p{L}/u.test(ch)) c = 'x';
        else if (/[0-9]/.test(ch)) c = 'd';
        else c = ch;
        if (c !== last) s += c;
        last = c;
    }
    return s;
}

// attribute names and values must not hold a TAB or a line break
function clean(s) { return s.replace(/[\t\r\n]/g, ' '); }

function features(ws, ps, pos) {
    const n = ws.length;
    const lw = ws.map(w => w.toLowerCase());
    const sh = ws.map(shape);
    const out = [];
    for (let i = 0; i < n; i++) {
        const w = ws[i];
        const a = ['bias'];
        for (let k = -2; k <= 2; k++) {
            const j = i + k;
            if (j < 0 || j >= n) continue;
            const o = k > 0 ? '+' + k : String(k);
            a.push(`w[${o}]=${ws[j]}`, `lw[${o}]=${lw[j]}`, `shape[${o}]=${sh[j]}`);
        }
        const cs = Array.from(w);
        for (let m = 1; m <= 4 && m <= cs.length; m++) {
            a.push(`pre${m}=${cs.slice(0, m).join('')}`);
            a.push(`suf${m}=${cs.slice(cs.length - m).join('')}`);
        }
        if (/^\p{Lu}\P{Lu}*$/u.test(w) && /\p{Ll}/u.test(w) || /^\p{Lu}$/u.test(w))
            a.push('is_title');
        if (/\p{Lu}/u.test(w) && !/\p{Ll}/u.test(w)) a.push('is_upper');
        if (/^[0-9]+$/.test(w)) a.push('is_digit');
        if (/[0-9]/.test(w)) a.push('has_digit');
        if (w.includes('-')) a.push('has_hyphen');
        if (/[\p{P}\p{S}]/u.test(w)) a.push('has_punct');
        if (i === 0) a.push('BOS');
        if (i === n - 1) a.push('EOS');
        a.push(`lw[-1]|lw[0]=${i > 0 ? lw[i - 1] : '__BOS__'}|${lw[i]}`);
        a.push(`lw[0]|lw[+1]=${lw[i]}|${i < n - 1 ? lw[i + 1] : '__EOS__'}`);
        if (pos) {
            const p = k => (i + k >= 0 && i + k < n) ? ps[i + k] : null;
            for (let k = -2; k <= 2; k++)
                if (p(k) !== null) a.push(`pos[${k > 0 ? '+' + k : k}]=${p(k)}`);
            const pairs = [[-2, -1], [-1, 0], [0, 1], [1, 2]];
            for (const [x, y] of pairs) {
                if (p(x) === null || p(y) === null) continue;
                const nx = x > 0 ? '+' + x : String(x), ny = y > 0 ? '+' + y : String(y);
                a.push(`pos[${nx}]|pos[${ny}]=${p(x)}|${p(y)}`);
            }
        }
        out.push(a.map(clean));
    }
    return out;
}

async function main() {
    let a = process.argv.slice(2);
    const pos = a.includes('--pos');
    a = a.filter(x => x !== '--pos');
    if (a.length !== 2) {
        console.error('usage: node crfsuite-attrs.js [--pos] CORPUS ATTR');
        return 2;
    }
    const [corpus, attr] = a;
    const fmt = { name: null, pos };
    const out = fs.openSync(attr, 'w');
    let buf = [], nsent = 0, ntok = 0, nattr = 0;
    for await (const [ws, ys, ps] of sentences(corpus, fmt)) {
        const fs_ = features(ws, ps, pos && fmt.name === 'columns');
        for (let i = 0; i < ws.length; i++) {
            buf.push(clean(ys[i]) + '\t' + fs_[i].join('\t') + '\n');
            nattr += fs_[i].length;
        }
        buf.push('\n');
        nsent++;
        ntok += ws.length;
        if (buf.length > 4096) {
            fs.writeSync(out, buf.join(''));
            buf = [];
        }
    }
    fs.writeSync(out, buf.join(''));
    fs.closeSync(out);
    if (fmt.pos && fmt.name === 'wikiser')
        console.error('crfsuite-attrs.js: --pos ignored for WikiSER blocks');
    console.error(`crfsuite-attrs.js: ${corpus}: ${fmt.name || 'empty'} format, ` +
                  `${nsent} sentences, ${ntok} tokens, ${nattr} attributes`);
    return nsent > 0 ? 0 : 1;
}

main().then(rc => { process.exitCode = rc; },
            e => { console.error('crfsuite-attrs.js: ' + (e.message || e)); process.exitCode = 1; });
