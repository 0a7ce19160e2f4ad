/* The part of zlib's API examples/bindgen/zlib_demo.luau uses, as ffi.cdef takes it
   (zlib.h's macros written out: its #define constants as an enum, deflateInit as the
   function it calls). `make test-bindgen` regenerates zlib.luau from this file. */
typedef unsigned char Bytef;
typedef unsigned int uInt;
typedef unsigned long uLong;
typedef uLong uLongf;
typedef void *voidpf;

typedef struct z_stream_s {
    const Bytef *next_in;
    uInt avail_in;
    uLong total_in;
    Bytef *next_out;
    uInt avail_out;
    uLong total_out;
    const char *msg;
    struct internal_state *state;
    voidpf (*zalloc)(voidpf opaque, uInt items, uInt size);
    void (*zfree)(voidpf opaque, voidpf address);
    voidpf opaque;
    int data_type;
    uLong adler;
    uLong reserved;
} z_stream;

enum {
    Z_OK = 0, Z_STREAM_END = 1, Z_NEED_DICT = 2, Z_ERRNO = -1, Z_STREAM_ERROR = -2,
    Z_DATA_ERROR = -3, Z_MEM_ERROR = -4, Z_BUF_ERROR = -5, Z_VERSION_ERROR = -6,
    Z_NO_FLUSH = 0, Z_FINISH = 4, Z_DEFAULT_COMPRESSION = -1, Z_BEST_COMPRESSION = 9
};

const char *zlibVersion(void);
int deflateInit_(z_stream *strm, int level, const char *version, int stream_size);
int deflate(z_stream *strm, int flush);
int deflateEnd(z_stream *strm);
int inflateInit_(z_stream *strm, const char *version, int stream_size);
int inflate(z_stream *strm, int flush);
int inflateEnd(z_stream *strm);
uLong compressBound(uLong sourceLen);
int compress2(Bytef *dest, uLongf *destLen, const Bytef *source, uLong sourceLen, int level);
int uncompress(Bytef *dest, uLongf *destLen, const Bytef *source, uLong sourceLen);
uLong crc32(uLong crc, const Bytef *buf, uInt len);
uLong adler32(uLong adler, const Bytef *buf, uInt len);
