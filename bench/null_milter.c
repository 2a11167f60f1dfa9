/* A do-nothing milter for the throughput baseline (bench/milter_throughput.sh):
 * it negotiates the same protocol steps as rcptguard (connect, MAIL, RCPT, end
 * of message; no HELO, headers or body) and accepts everything.
 * Usage: null_milter unix:/path/to/socket */
#include <libmilter/mfapi.h>
#include <stdio.h>
#include <sys/stat.h>

static sfsistat Continue(SMFICTX *ctx) { (void)ctx; return SMFIS_CONTINUE; }
static sfsistat OnConnect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr) {
  (void)host; (void)addr; return Continue(ctx);
}
static sfsistat OnEnvelope(SMFICTX *ctx, char **argv) { (void)argv; return Continue(ctx); }
static sfsistat OnNegotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                            unsigned long f3, unsigned long *pf0, unsigned long *pf1,
                            unsigned long *pf2, unsigned long *pf3) {
  (void)ctx; (void)f2; (void)f3;
  *pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_QUARANTINE);
  *pf1 = f1 & (SMFIP_NOHELO | SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOBODY | SMFIP_NOUNKNOWN |
               SMFIP_NODATA);
  *pf2 = *pf3 = 0;
  return SMFIS_CONTINUE;
}

int main(int argc, char **argv) {
  struct smfiDesc desc = {"null", SMFI_VERSION, SMFIF_ADDHDRS | SMFIF_QUARANTINE, OnConnect,
                          NULL, OnEnvelope, OnEnvelope, NULL, NULL, NULL, Continue, Continue,
                          Continue, NULL, NULL, OnNegotiate};
  if (argc != 2 || smfi_setconn(argv[1]) != MI_SUCCESS || smfi_register(desc) != MI_SUCCESS) {
    fprintf(stderr, "usage: null_milter unix:/path\n");
    return 64;
  }
  umask(0);
  if (smfi_opensocket(1) != MI_SUCCESS) return 69;
  return smfi_main() == MI_SUCCESS ? 0 : 70;
}
