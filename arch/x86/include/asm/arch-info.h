#ifndef CRL_ASM_ARCH_INFO_H
#define CRL_ASM_ARCH_INFO_H
#define ARCH_NAME "x86_64"
#endif
