#include "study/study_filesystem.h"

#include <cstdint>

#if defined(__linux__)
#include <sys/vfs.h>
#endif

namespace sg {

bool isNetworkFilesystemType(long fType)
{
    // linux/magic.h and the filesystems' own headers (CIFS, SMB2, GFS2, OCFS2 and Lustre are not in
    // linux/magic.h), spelled out so that the list does not depend on the kernel headers installed.
    static constexpr std::uint32_t kNetworkTypes[] = {
        0x6969, // NFS
        0x517B, // SMB
        0xFF534D42, // CIFS
        0xFE534D42, // SMB2
        0x5346414F, // AFS
        0x73757245, // Coda
        0x01021997, // 9P (v9fs)
        0x00C36400, // Ceph
        0x01161970, // GFS2
        0x7461636F, // OCFS2
        0x0BD00BD0, // Lustre
        0x65735546, // FUSE (sshfs, most network mounts)
    };
    const auto type = std::uint32_t(std::uint64_t(fType) & 0xFFFFFFFFu);
    for (std::uint32_t network : kNetworkTypes)
        if (type == network)
            return true;
    return false;
}

std::optional<long> filesystemTypeOf(const std::string &folder)
{
#if defined(__linux__)
    struct statfs info { };
    if (::statfs(folder.empty() ? "." : folder.c_str(), &info) != 0)
        return std::nullopt;
    return long(info.f_type);
#else
    (void)folder;
    return std::nullopt;
#endif
}

bool onNetworkFilesystem(const std::string &folder)
{
    const std::optional<long> type = filesystemTypeOf(folder);
    return type && isNetworkFilesystemType(*type);
}

} // namespace sg
