/*
 * train_lbfgs.h - the texts of liblbfgs's status codes (pipeline layer).
 */
#ifndef CRFTAG_TRAIN_LBFGS_H
#define CRFTAG_TRAIN_LBFGS_H

/* Why liblbfgs stopped, for a status code of lbfgs(). */
const char *train_lbfgs_reason(int code);

#endif
