/* Wine 8.0 (Debian 12) has no bcryptprimitives.dll, whose ProcessPrng the Rust standard
 * library imports on Windows (Rust 1.78 and later). `make test-windows` puts this
 * stand-in on WINEPATH for the programs it runs under Wine; it is never shipped with
 * them (Windows 10 and later have the real DLL). ProcessPrng fills the buffer from the
 * system's generator (RtlGenRandom, advapi32's SystemFunction036) and never fails. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0)
    {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
