// crfsuite-model.cc - trains a model with CRFsuite's own library and tags a
// file with it, for the CRFsuite-model fixture of the tests
// (tests/data/crfsuite_model_conll.*, tests/data/README.md):
//
//   crfsuite-model TRAIN MODEL TAG > LABELS
//
// TRAIN and TAG are files in CRFsuite's data format (LABEL<TAB>ATTR..., "\:"
// and "\\" escapes in names, "name:weight"), read as `crfsuite learn` reads
// them; the model is trained with L-BFGS, c1 = 0.05, c2 = 0.1 (CRFsuite's
// defaults otherwise) and written to MODEL; each token of TAG gets its label
// on a line of LABELS, a blank line after each sentence.  Built against the
// CRFsuite 0.12 sources of the npm package bench/ installs
// (make -C bench crfsuite):
//
//   S=$PWD/bench/node_modules/crfsuite; mkdir -p o && cd o
//   for f in $S/crfsuite/lib/crf/src/*.c $S/crfsuite/lib/cqdb/src/cqdb.c \
//            $S/crfsuite/lib/cqdb/src/lookup3.c $S/liblbfgs/lib/lbfgs.c; do
//       gcc -O2 -w -c -I$S/crfsuite/include -I$S/crfsuite/lib/cqdb/include \
//           -I$S/liblbfgs/include "$f"; done; cd ..
//   g++ -O2 -o crfsuite-model -I$S/crfsuite/include scripts/crfsuite-model.cc o/*.o -lm
#include <crfsuite.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

// One field "name" or "name:weight" with CRFsuite's escapes undone.
static CRFSuite::Attribute field(const std::string &f)
{
    std::string name;
    size_t i = 0;
    for (; i < f.size(); i++) {
        if (f[i] == '\\' && i + 1 < f.size() && (f[i + 1] == ':' || f[i + 1] == '\\')) {
            name += f[++i];
        } else if (f[i] == ':') {
            break;
        } else {
            name += f[i];
        }
    }
    double w = i + 1 < f.size() ? std::strtod(f.c_str() + i + 1, nullptr) : 1.0;
    return CRFSuite::Attribute(name, w);
}

// Calls fn(items, labels) for each sentence of path.
template <class Fn> static void sentences(const char *path, Fn fn)
{
    std::ifstream in(path);
    if (!in) {
        std::cerr << "cannot open " << path << "\n";
        std::exit(1);
    }
    CRFSuite::ItemSequence xs;
    CRFSuite::StringList ys;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) {
            if (!xs.empty())
                fn(xs, ys);
            xs.clear();
            ys.clear();
            continue;
        }
        std::istringstream ls(line);
        std::string f;
        std::getline(ls, f, '\t');
        ys.push_back(f);
        CRFSuite::Item item;
        while (std::getline(ls, f, '\t'))
            if (!f.empty())
                item.push_back(field(f));
        xs.push_back(item);
    }
    if (!xs.empty())
        fn(xs, ys);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        std::cerr << "usage: crfsuite-model TRAIN MODEL TAG > LABELS\n";
        return 2;
    }
    CRFSuite::Trainer tr;
    sentences(argv[1], [&](const CRFSuite::ItemSequence &xs, const CRFSuite::StringList &ys) {
        tr.append(xs, ys, 0);
    });
    tr.select("lbfgs", "crf1d");
    tr.set("c1", "0.05");
    tr.set("c2", "0.1");
    if (tr.train(argv[2], -1) != 0) {
        std::cerr << "training failed\n";
        return 1;
    }
    CRFSuite::Tagger tg;
    if (!tg.open(argv[2])) {
        std::cerr << "cannot open " << argv[2] << "\n";
        return 1;
    }
    sentences(argv[3], [&](const CRFSuite::ItemSequence &xs, const CRFSuite::StringList &) {
        for (const std::string &y : tg.tag(xs))
            std::cout << y << "\n";
        std::cout << "\n";
    });
    return 0;
}
