/*
 * pdf_lazy.cc: a PDF written again with some image streams replaced,
 * through QPDF's C++ API, because its C API cannot do the two things
 * that keep memory flat: the replaced data is given to QPDFWriter as it
 * writes (a StreamDataProvider, so no copy of every page's JPEG), and
 * the output goes to a sink (fd 3, or a counter) rather than one buffer.
 * A stream given as zeros of its length writes a document of exactly
 * the size the real bytes would: QPDFWriter copies DCT data verbatim.
 * SECURITY: parses uploaded bytes. No exception crosses into C: every
 * one becomes -EINVAL (or -ENOMEM, or the sink's own error).
 */
#define POINTERHOLDER_TRANSITION 4 /* QPDF 11: std::shared_ptr only */
#include <cerrno>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>

#include <qpdf/Pipeline.hh>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFObjectHandle.hh>
#include <qpdf/QPDFWriter.hh>

extern "C" {
#include "pdfimg.h"
}

namespace
{

/* Thrown by the sink to stop the write with its error. */
struct sink_error {
	int rc;
};

class SinkPipe : public Pipeline
{
      public:
	SinkPipe(const struct pdf_sink *s)
	    : Pipeline("qujat sink", nullptr), sink(s)
	{
	}
	void
	write(unsigned char const *p, size_t len) override
	{
		int rc = sink && sink->write ? sink->write(sink->ctx, p, len) :
					       0;

		if (rc < 0)
			throw sink_error{ rc };
		size += len;
	}
	void
	finish() override
	{
	}
	uint64_t size = 0;

      private:
	const struct pdf_sink *sink;
};

/* One replaced image's bytes: held by the caller, or zeros. */
class SwapData : public QPDFObjectHandle::StreamDataProvider
{
      public:
	SwapData(const struct pdf_swap *s) : sw(s)
	{
	}
	void
	provideStreamData(QPDFObjGen const &, Pipeline *p) override
	{
		static const unsigned char zero[65536] = { 0 };
		size_t left = sw->len, n;

		if (sw->data) {
			p->write(sw->data, sw->len);
			return;
		}
		for (; left > 0; left -= n) {
			n = left < sizeof zero ? left : sizeof zero;
			p->write(zero, n);
		}
	}

      private:
	const struct pdf_swap *sw;
};

void
swap_in(QPDF &q, const struct pdf_swap *sw)
{
	QPDFObjectHandle obj = q.getObjectByID(sw->obj, sw->gen);
	QPDFObjectHandle dict, cs;

	if (!obj.isStream())
		throw std::runtime_error("not a stream");
	obj.replaceStreamData(std::make_shared<SwapData>(sw),
	    QPDFObjectHandle::newName("/DCTDecode"),
	    QPDFObjectHandle::newNull());
	dict = obj.getDict();
	dict.replaceKey("/Width", QPDFObjectHandle::newInteger(sw->w));
	dict.replaceKey("/Height", QPDFObjectHandle::newInteger(sw->h));
	dict.replaceKey("/BitsPerComponent", QPDFObjectHandle::newInteger(8));
	dict.removeKey("/DecodeParms");
	if (sw->grey)
		dict.replaceKey("/ColorSpace",
		    QPDFObjectHandle::newName("/DeviceGray"));
	else if (sw->base) {
		cs = dict.getKey("/ColorSpace");
		dict.replaceKey("/ColorSpace", cs.getArrayItem(1));
	}
}

/* As pdf_write_setup does for the C API's writer (pdf_rewrite.c). A
 * write that only measures takes QPDF's static /ID instead of the
 * deterministic one, an MD5 of the whole output: both are 16 bytes, so
 * the size is the same (an encrypted document keeps its own). */
void
setup(QPDF &q, QPDFWriter &w, bool measure)
{
	w.setObjectStreamMode(qpdf_o_generate);
	w.setCompressStreams(true);
	if (q.isEncrypted())
		return;
	w.setDecodeLevel(qpdf_dl_generalized);
	if (measure)
		w.setStaticID(true);
	else
		w.setDeterministicID(true);
}

} /* namespace */

extern "C" int
pdf_lazy_write(const unsigned char *buf, size_t len, const struct pdf_swap *sw,
    size_t n, const struct pdf_sink *out, uint64_t *size)
{
	try {
		QPDF q;
		SinkPipe pipe(out);

		q.setSuppressWarnings(true);
		q.processMemoryFile("upload", (const char *)buf, len);
		for (size_t i = 0; i < n; i++)
			swap_in(q, &sw[i]);
		QPDFWriter w(q);
		w.setOutputPipeline(&pipe);
		setup(q, w, out == nullptr || out->write == nullptr);
		w.write();
		*size = pipe.size;
		return 0;
	} catch (const sink_error &e) {
		return e.rc;
	} catch (const std::bad_alloc &) {
		return -ENOMEM;
	} catch (...) {
		return -EINVAL;
	}
}
