/*
 * train_lbfgs.c - the texts of liblbfgs's status codes (pipeline layer).
 */
#include <lbfgs.h>

#include "train_lbfgs.h"

/* liblbfgs 1.10 (Debian) has no lbfgs_strerror. */
const char *train_lbfgs_reason(int code)
{
    switch (code) {
    case LBFGS_SUCCESS: return "converged (gradient norm below epsilon)";
    case LBFGS_STOP: return "converged (objective improved less than delta)";
    case LBFGS_ALREADY_MINIMIZED: return "already minimized";
    case LBFGSERR_UNKNOWNERROR: return "unknown error";
    case LBFGSERR_LOGICERROR: return "logic error";
    case LBFGSERR_OUTOFMEMORY: return "out of memory";
    case LBFGSERR_CANCELED: return "canceled";
    case LBFGSERR_INVALID_N: return "invalid number of variables";
    case LBFGSERR_INVALID_N_SSE: return "invalid number of variables for SSE";
    case LBFGSERR_INVALID_X_SSE: return "variables not aligned for SSE";
    case LBFGSERR_INVALID_EPSILON: return "invalid epsilon";
    case LBFGSERR_INVALID_TESTPERIOD: return "invalid period";
    case LBFGSERR_INVALID_DELTA: return "invalid delta";
    case LBFGSERR_INVALID_LINESEARCH: return "invalid line search";
    case LBFGSERR_INVALID_MINSTEP: return "invalid minimum step";
    case LBFGSERR_INVALID_MAXSTEP: return "invalid maximum step";
    case LBFGSERR_INVALID_FTOL: return "invalid ftol";
    case LBFGSERR_INVALID_WOLFE: return "invalid Wolfe coefficient";
    case LBFGSERR_INVALID_GTOL: return "invalid gtol";
    case LBFGSERR_INVALID_XTOL: return "invalid xtol";
    case LBFGSERR_INVALID_MAXLINESEARCH: return "invalid maximum line search";
    case LBFGSERR_INVALID_ORTHANTWISE: return "invalid L1 coefficient";
    case LBFGSERR_INVALID_ORTHANTWISE_START: return "invalid OWL-QN start";
    case LBFGSERR_INVALID_ORTHANTWISE_END: return "invalid OWL-QN end";
    case LBFGSERR_OUTOFINTERVAL: return "line search step out of interval";
    case LBFGSERR_INCORRECT_TMINMAX: return "line search interval incorrect";
    case LBFGSERR_ROUNDING_ERROR: return "stopped by rounding errors (no further progress)";
    case LBFGSERR_MINIMUMSTEP: return "line search step became smaller than the minimum";
    case LBFGSERR_MAXIMUMSTEP: return "line search step became larger than the maximum";
    case LBFGSERR_MAXIMUMLINESEARCH: return "line search reached its maximum number of trials";
    case LBFGSERR_MAXIMUMITERATION: return "reached the maximum number of iterations";
    case LBFGSERR_WIDTHTOOSMALL: return "line search interval too small";
    case LBFGSERR_INVALIDPARAMETERS: return "invalid parameters";
    case LBFGSERR_INCREASEGRADIENT: return "search direction does not decrease the objective";
    }
    return "unknown liblbfgs status";
}
