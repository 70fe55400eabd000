/* e2ecscp's receiving side: C-STORE into the spool, C-ECHO (spool_scp.h). */
#include "spool_scp.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/oflog/oflog.h>

#include <cstring>
#include <unistd.h>

#include "spool.h"

static OFLogger logger = OFLog::getLogger("e2ec.apps.e2ecscp");

std::string SpoolSCP::spool_dir;

void spool_scp_add_contexts(DcmSCPConfig &cfg) {
    /* In order of preference where a sender proposes several syntaxes in one context
     * (storescu proposes a compressed file's own syntax together with the uncompressed
     * ones): compressed syntaxes first, so that no sender has to convert (many cannot)
     * and every instance is kept exactly as sent; uncompressed last. The first three
     * lossless ones are also those e2ec's DICOM reader decodes. */
    static const char *const syntaxes[] = {
        UID_JPEGLSLosslessTransferSyntax, UID_JPEGProcess14SV1TransferSyntax,
        UID_JPEGProcess14TransferSyntax, UID_RLELosslessTransferSyntax,
        UID_JPEG2000LosslessOnlyTransferSyntax, UID_JPEGLSLossyTransferSyntax,
        UID_JPEGProcess1TransferSyntax, UID_JPEGProcess2_4TransferSyntax,
        UID_JPEG2000TransferSyntax, UID_DeflatedExplicitVRLittleEndianTransferSyntax,
        UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax,
        UID_BigEndianExplicitTransferSyntax};
    static const int n_syntaxes = sizeof syntaxes / sizeof *syntaxes, n_uncompressed = 3;
    OFList<OFString> all, uncompressed;
    for (const char *ts : syntaxes) all.push_back(ts);
    for (int i = n_syntaxes - n_uncompressed; i < n_syntaxes; i++) uncompressed.push_back(syntaxes[i]);
    cfg.addPresentationContext(UID_VerificationSOPClass, uncompressed);
    for (int i = 0; i < numberOfDcmAllStorageSOPClassUIDs; i++)
        cfg.addPresentationContext(dcmAllStorageSOPClassUIDs[i], all);
}

OFCondition SpoolSCP::handleIncomingCommand(T_DIMSE_Message *msg,
                                            const DcmPresentationContextInfo &pc) {
    if (!msg || msg->CommandField != DIMSE_C_STORE_RQ)
        return DcmThreadSCP::handleIncomingCommand(msg, pc); /* C-ECHO, or refused */
    T_DIMSE_C_StoreRQ &req = msg->msg.CStoreRQ;
    OFCondition cond;
    Uint16 status = store(req, pc.presentationContextID, cond);
    if (cond.good()) return sendSTOREResponse(pc.presentationContextID, req, status);
    if (cond == DIMSE_OUTOFRESOURCES)
        sendSTOREResponse(pc.presentationContextID, req, STATUS_STORE_Refused_OutOfResources);
    return cond; /* the association could not receive the dataset: DcmSCP ends it */
}

/* The Study, Series and SOP Instance UIDs of a received file (Pixel Data not loaded). */
static bool read_uids(const std::string &path, OFString &study, OFString &series, OFString &sop,
                      OFString &sop_class) {
    DcmFileFormat ff;
    if (ff.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, 1024).bad()) return false;
    DcmDataset *ds = ff.getDataset();
    return ds->findAndGetOFString(DCM_StudyInstanceUID, study).good() &&
           ds->findAndGetOFString(DCM_SeriesInstanceUID, series).good() &&
           ds->findAndGetOFString(DCM_SOPInstanceUID, sop).good() &&
           ds->findAndGetOFString(DCM_SOPClassUID, sop_class).good();
}

Uint16 SpoolSCP::store(T_DIMSE_C_StoreRQ &req, T_ASC_PresentationContextID pc,
                       OFCondition &cond) {
    std::string tmp;
    int e = spool_temp_name(spool_dir, &tmp);
    if (e) {
        OFLOG_ERROR(logger, "cannot create a file in " << spool_dir << "/.incoming: "
                                                       << strerror(e));
        /* the dataset must still be read off the association before answering */
        tmp = "/dev/null";
    }
    cond = receiveSTORERequest(req, pc, tmp.c_str());
    if (e) return STATUS_STORE_Refused_OutOfResources;
    if (cond.bad()) {
        OFLOG_ERROR(logger, "receiving " << req.AffectedSOPInstanceUID
                                         << " failed: " << cond.text());
        unlink(tmp.c_str());
        return STATUS_STORE_Refused_OutOfResources;
    }
    OFString study, series, sop, sop_class;
    Uint16 status = STATUS_Success;
    if (!read_uids(tmp, study, series, sop, sop_class)) {
        OFLOG_ERROR(logger, "refused " << req.AffectedSOPInstanceUID
                                       << ": no Study, Series or SOP Instance/Class UID");
        status = STATUS_STORE_Error_CannotUnderstand;
    } else if (sop != req.AffectedSOPInstanceUID || sop_class != req.AffectedSOPClassUID) {
        OFLOG_ERROR(logger, "refused " << req.AffectedSOPInstanceUID
                                       << ": the dataset's SOP Instance/Class UID ("
                                       << sop << ", " << sop_class << ") differ from the request's");
        status = STATUS_STORE_Error_DataSetDoesNotMatchSOPClass;
    } else if (!spool_uid_ok(study.c_str()) || !spool_uid_ok(series.c_str()) ||
               !spool_uid_ok(sop.c_str())) {
        OFLOG_ERROR(logger, "refused " << sop << ": a Study/Series/SOP Instance UID that is "
                                          "not a valid UID (study " << study << ", series "
                                       << series << ")");
        status = STATUS_STORE_Error_CannotUnderstand;
    } else if ((e = spool_commit(spool_dir, tmp, study.c_str(), series.c_str(), sop.c_str()))) {
        OFLOG_ERROR(logger, "cannot store " << sop << " in the spool: " << strerror(e));
        status = STATUS_STORE_Refused_OutOfResources;
    }
    if (status != STATUS_Success) {
        unlink(tmp.c_str());
        return status;
    }
    OFLOG_DEBUG(logger, "stored " << spool_dir << "/" << study << "/" << series << "/" << sop
                                  << ".dcm");
    return status;
}
