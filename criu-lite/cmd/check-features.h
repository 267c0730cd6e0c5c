/* criu's feature names for check --feature and check --extra (check-features.c). */
#ifndef CRL_CHECK_FEATURES_H
#define CRL_CHECK_FEATURES_H

/* check --feature NAME ('list': the names). Prints one line; returns the exit status. */
int check_feature(const char *name);
/* check --extra: one line per feature criu-lite uses; 1 when any is missing, else 0. */
int check_extra_features(void);

#endif
