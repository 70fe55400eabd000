/*
 * spool_scp.h - the Storage SCP side of e2ecscp: one association per worker thread of
 * DCMTK's DcmSCPPool, each instance received straight into the spool (spool.h).
 *
 * DcmStorageSCP, DCMTK's Storage SCP class, is a DcmSCP that serves one association
 * at a time in its process, and DcmSCPPool needs a DcmThreadSCP (a DcmSCP that is
 * handed an accepted association). So SpoolSCP is a DcmThreadSCP that answers
 * C-ECHO and C-STORE as DcmStorageSCP does in its bit-preserving mode (the dataset
 * written to disk exactly as received, File Meta Information added), with the
 * write made crash-safe: temporary file in SPOOL/.incoming, fsync, rename into
 * SPOOL/<Study UID>/<Series UID>/<SOP Instance UID>.dcm, fsync of the folders, and
 * only then the success response.
 */
#ifndef E2EC_SPOOL_SCP_H
#define E2EC_SPOOL_SCP_H

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/scppool.h>
#include <dcmtk/dcmnet/scpthrd.h>

#include <string>

class SpoolSCP : public DcmThreadSCP {
public:
    /* Where every worker spools; set once before the pool listens. */
    static std::string spool_dir;

protected:
    OFCondition handleIncomingCommand(T_DIMSE_Message *msg,
                                      const DcmPresentationContextInfo &pc) override;

private:
    /* Receives one instance into the spool; the DIMSE status for the response. */
    Uint16 store(T_DIMSE_C_StoreRQ &req, T_ASC_PresentationContextID pc, OFCondition &cond);
};

typedef DcmSCPPool<SpoolSCP> SpoolSCPPool;

/* The storage SOP classes (DCMTK's list of all) and transfer syntaxes e2ecscp accepts:
 * uncompressed, deflated, JPEG, JPEG-LS, JPEG 2000 and RLE. */
void spool_scp_add_contexts(DcmSCPConfig &cfg);

#endif
