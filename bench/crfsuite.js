// crfsuite.js - CRFsuite (npm package "crfsuite", its bundled C library)
// trained and run on attribute files written by featdump:
//
//   node crfsuite.js train ATTR MODEL RESULT.json [c2]
//   node crfsuite.js tag   MODEL ATTR PRED RESULT.json
//
// An attribute file holds "LABEL<TAB>ATTR<TAB>ATTR..." lines, a blank line
// after each sentence.  train appends every sentence (one at a time, read
// as a stream) and trains with L-BFGS and the given c2 (default 1), all
// other parameters at CRFsuite's defaults; CRFsuite's log goes to stdout.
// tag reads the file, tags each sentence and writes "GOLD PRED" lines (a
// blank line after each sentence) to PRED, the input of `crftag eval --pred`.
// RESULT.json gets the counts and times measured inside the process.
'use strict';
const fs = require('fs');
const readline = require('readline');
const path = require('path');
const crfsuite = require(path.join(__dirname, 'node_modules', 'crfsuite'));

function now() { return Number(process.hrtime.bigint()) / 1e9; }

async function* sentences(file) {
    const rl = readline.createInterface({
        input: fs.createReadStream(file), crlfDelay: Infinity });
    let xs = [], ys = [];
    for await (const line of rl) {
        if (line === '') {
            if (xs.length) yield [xs, ys];
            xs = []; ys = [];
            continue;
        }
        const f = line.split('\t');
        ys.push(f[0]);
        xs.push(f.slice(1));
    }
    if (xs.length) yield [xs, ys];
}

async function train(attr, model, result, c2) {
    const t0 = now();
    const trainer = new crfsuite.Trainer({ debug: true });
    trainer.set_params({ c2: String(c2) });
    let nsent = 0, ntok = 0;
    for await (const [xs, ys] of sentences(attr)) {
        trainer.append(xs, ys);
        nsent++;
        ntok += xs.length;
    }
    const t1 = now();
    const status = trainer.train(model);
    const t2 = now();
    fs.writeFileSync(result, JSON.stringify({
        status, sentences: nsent, tokens: ntok, read_seconds: t1 - t0,
        train_seconds: t2 - t1 }) + '\n');
    return status === 0 ? 0 : 1;
}

async function tag(model, attr, pred, result) {
    const t0 = now();
    const tagger = new crfsuite.Tagger();
    if (!tagger.open(model)) {
        console.error(`crfsuite.js: cannot open ${model}`);
        return 1;
    }
    const t1 = now();
    const out = fs.openSync(pred, 'w');
    let buf = [], ntok = 0, nsent = 0, tagsec = 0;
    for await (const [xs, ys] of sentences(attr)) {
        const a = now();
        let r = tagger.tag(xs);        // an array of labels (1.0.1)
        tagsec += now() - a;
        if (!Array.isArray(r)) r = r.result;
        for (let i = 0; i < ys.length; i++)
            buf.push(ys[i] + ' ' + r[i] + '\n');
        buf.push('\n');
        ntok += ys.length;
        nsent++;
        if (buf.length > 4096) {
            fs.writeSync(out, buf.join(''));
            buf = [];
        }
    }
    fs.writeSync(out, buf.join(''));
    fs.closeSync(out);
    const t2 = now();
    fs.writeFileSync(result, JSON.stringify({
        sentences: nsent, tokens: ntok, load_seconds: t1 - t0,
        total_seconds: t2 - t0, tag_call_seconds: tagsec }) + '\n');
    return 0;
}

async function main() {
    const a = process.argv.slice(2);
    if (a[0] === 'train' && a.length >= 4)
        return train(a[1], a[2], a[3], a[4] || '1.0');
    if (a[0] === 'tag' && a.length === 5)
        return tag(a[1], a[2], a[3], a[4]);
    console.error('usage: node crfsuite.js train ATTR MODEL RESULT.json [c2]\n' +
                  '       node crfsuite.js tag MODEL ATTR PRED RESULT.json');
    return 2;
}

main().then(rc => { process.exitCode = rc; },
            e => { console.error(e); process.exitCode = 1; });
