// NIfTI and MetaImage through ITK's ImageIO classes (volume_io_itk.h).
// The ImageIO is chosen from the extension and used directly (no templated
// pipeline, no global factory registry): ReadImageInformation, check what the
// file holds, Read into our own buffer. No ITK exception crosses into C.
#include "volume_io_itk.h"

#include <itkImageIOBase.h>
#include <itkMetaImageIO.h>
#include <itkNiftiImageIO.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <sstream>
#include <string>

namespace {

bool ends_with(const std::string &s, const char *suffix) {
    size_t n = std::strlen(suffix);
    if (s.size() < n) return false;
    for (size_t i = 0; i < n; i++)
        if (std::tolower(static_cast<unsigned char>(s[s.size() - n + i])) != suffix[i]) return false;
    return true;
}

bool is_metaimage(const std::string &path) {
    return ends_with(path, ".mha") || ends_with(path, ".mhd");
}

itk::ImageIOBase::Pointer io_for(const std::string &path) {
    if (is_metaimage(path)) return itk::MetaImageIO::New().GetPointer();
    return itk::NiftiImageIO::New().GetPointer();
}

bool to_e2ec_type(itk::IOComponentEnum c, e2ec_voxel_type *t) {
    switch (c) {
    case itk::IOComponentEnum::UCHAR: *t = E2EC_U8; return true;
    case itk::IOComponentEnum::SHORT: *t = E2EC_I16; return true;
    case itk::IOComponentEnum::USHORT: *t = E2EC_U16; return true;
    case itk::IOComponentEnum::FLOAT: *t = E2EC_F32; return true;
    default: return false;
    }
}

itk::IOComponentEnum to_itk_type(e2ec_voxel_type t) {
    switch (t) {
    case E2EC_U8: return itk::IOComponentEnum::UCHAR;
    case E2EC_I16: return itk::IOComponentEnum::SHORT;
    case E2EC_U16: return itk::IOComponentEnum::USHORT;
    case E2EC_F32: return itk::IOComponentEnum::FLOAT;
    }
    return itk::IOComponentEnum::UNKNOWNCOMPONENTTYPE;
}

// MetaIO reports problems (a short data block, a bad header line) on
// std::cerr, sometimes while returning as if it had succeeded. While one of
// these lives, std::cerr is collected instead of printed, so that a read that
// complained is refused and the complaint becomes our message.
class CerrCapture {
  public:
    CerrCapture() : saved_(std::cerr.rdbuf(text_.rdbuf())) {}
    ~CerrCapture() { std::cerr.rdbuf(saved_); }
    std::string first_line() const {
        std::string t = text_.str();
        return t.substr(0, t.find('\n'));
    }

  private:
    std::ostringstream text_;
    std::streambuf *saved_;
};

e2ec_status fail(char *why, size_t why_len, e2ec_status s, const char *path, const std::string &msg) {
    std::snprintf(why, why_len, "%s: %s", path, msg.c_str());
    return s;
}

// Checks what ReadImageInformation found; fills dims/type or says why not.
e2ec_status check_layout(itk::ImageIOBase *io, uint32_t dims[3], e2ec_voxel_type *type,
                         std::string &msg) {
    unsigned nd = io->GetNumberOfDimensions();
    if (io->GetNumberOfComponents() != 1 || io->GetPixelType() != itk::IOPixelEnum::SCALAR) {
        msg = "pixels are " + itk::ImageIOBase::GetPixelTypeAsString(io->GetPixelType()) +
              " with " + std::to_string(io->GetNumberOfComponents()) +
              " components; only single-component scalar volumes are supported";
        return E2EC_ERR_FORMAT;
    }
    if (!to_e2ec_type(io->GetComponentType(), type)) {
        msg = "voxel type " + itk::ImageIOBase::GetComponentTypeAsString(io->GetComponentType()) +
              " is not supported (u8, i16, u16 and f32 are)";
        return E2EC_ERR_FORMAT;
    }
    if (nd < 2) {
        msg = "a " + std::to_string(nd) + "-D image is not a volume";
        return E2EC_ERR_FORMAT;
    }
    dims[2] = 1;
    for (unsigned i = 0; i < nd; i++) {
        itk::SizeValueType d = io->GetDimensions(i);
        if (i >= 3 && d != 1) {
            msg = std::to_string(nd) + "-D image: only 2-D and 3-D volumes are supported";
            return E2EC_ERR_FORMAT;
        }
        if (i < 3) {
            if (d == 0 || d > UINT32_MAX) {
                msg = "dimension " + std::to_string(i) + " is " + std::to_string(d);
                return E2EC_ERR_FORMAT;
            }
            dims[i] = static_cast<uint32_t>(d);
        }
    }
    return E2EC_OK;
}

e2ec_status read_volume(const char *path, e2ec_volume *out, char *why, size_t why_len) {
    itk::ImageIOBase::Pointer io = io_for(path);
    if (!io->CanReadFile(path))
        return fail(why, why_len, E2EC_ERR_FORMAT, path,
                    is_metaimage(path) ? "not a MetaImage file ITK can read"
                                       : "not a NIfTI-1 file ITK can read");
    io->SetFileName(path);
    io->ReadImageInformation();
    uint32_t dims[3];
    e2ec_voxel_type type;
    std::string msg;
    e2ec_status s = check_layout(io, dims, &type, msg);
    if (s != E2EC_OK) return fail(why, why_len, s, path, msg);
    // e2ec_volume_alloc checks the dimensions against the codec's limits
    // before anything is allocated.
    s = e2ec_volume_alloc(out, dims[0], dims[1], dims[2], type);
    if (s != E2EC_OK)
        return fail(why, why_len, s, path,
                    std::to_string(dims[0]) + "x" + std::to_string(dims[1]) + "x" +
                        std::to_string(dims[2]) + ": " + e2ec_strerror(s));
    unsigned nd = io->GetNumberOfDimensions();
    itk::ImageIORegion region(nd);
    for (unsigned i = 0; i < nd; i++) {
        region.SetIndex(i, 0);
        region.SetSize(i, io->GetDimensions(i));
        if (i < 3) out->spacing[i] = static_cast<float>(io->GetSpacing(i));
    }
    io->SetIORegion(region);
    io->Read(out->data);
    return E2EC_OK;
}

void write_volume(const char *path, const e2ec_volume *v) {
    itk::ImageIOBase::Pointer io = io_for(path);
    unsigned nd = v->nz > 1 ? 3 : 2;
    io->SetNumberOfDimensions(nd);
    const uint32_t dims[3] = {v->nx, v->ny, v->nz};
    itk::ImageIORegion region(nd);
    for (unsigned i = 0; i < nd; i++) {
        io->SetDimensions(i, dims[i]);
        io->SetSpacing(i, v->spacing[i]);
        io->SetOrigin(i, 0.0);
        region.SetIndex(i, 0);
        region.SetSize(i, dims[i]);
    }
    io->SetPixelType(itk::IOPixelEnum::SCALAR);
    io->SetComponentType(to_itk_type(v->type));
    io->SetNumberOfComponents(1);
    io->SetIORegion(region);
    io->SetFileName(path);
    io->Write(v->data);
}

}  // namespace

extern "C" e2ec_status itk_volume_read(const char *path, e2ec_volume *out, char *why,
                                       size_t why_len) {
    CerrCapture complaints;
    try {
        e2ec_status s = read_volume(path, out, why, why_len);
        if (s == E2EC_OK && !complaints.first_line().empty())
            s = fail(why, why_len, E2EC_ERR_FORMAT, path, complaints.first_line());
        if (s != E2EC_OK) e2ec_volume_free(out);
        return s;
    } catch (const std::bad_alloc &) {
        e2ec_volume_free(out);
        return fail(why, why_len, E2EC_ERR_NOMEM, path, "out of memory");
    } catch (const itk::ExceptionObject &e) {
        e2ec_volume_free(out);
        std::string first = complaints.first_line();
        return fail(why, why_len, E2EC_ERR_FORMAT, path, first.empty() ? e.GetDescription() : first);
    } catch (const std::exception &e) {
        e2ec_volume_free(out);
        return fail(why, why_len, E2EC_ERR_FORMAT, path, e.what());
    }
}

extern "C" e2ec_status itk_volume_write(const char *path, const e2ec_volume *v, char *why,
                                        size_t why_len) {
    CerrCapture complaints;
    try {
        write_volume(path, v);
        if (!complaints.first_line().empty())
            return fail(why, why_len, E2EC_ERR_IO, path, complaints.first_line());
        return E2EC_OK;
    } catch (const std::bad_alloc &) {
        return fail(why, why_len, E2EC_ERR_NOMEM, path, "out of memory");
    } catch (const itk::ExceptionObject &e) {
        return fail(why, why_len, E2EC_ERR_IO, path, e.GetDescription());
    } catch (const std::exception &e) {
        return fail(why, why_len, E2EC_ERR_IO, path, e.what());
    }
}
