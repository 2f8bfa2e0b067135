#pragma once
// Which filesystem a study database lives on: the store keeps SQLite's WAL mode off network
// filesystems, whose machines cannot share WAL's shared-memory index (README.md, "Store").
// Linux reads statfs(2)'s f_type; elsewhere the type is unknown and counts as local. No Qt.

#include <optional>
#include <string>

namespace sg {

// True for the statfs(2) magic numbers of filesystems that other machines may write too: NFS,
// SMB/CIFS/SMB2, AFS, Coda, 9P, Ceph, GFS2, OCFS2, Lustre, and FUSE (sshfs and most network
// mounts; a local FUSE filesystem is a false positive that only costs WAL's speed). Compares
// the low 32 bits, so a sign-extended f_type matches too. Pure; any thread.
bool isNetworkFilesystemType(long fType);

// statfs(2)'s f_type of the filesystem holding `folder`; empty when it cannot be read (no such
// folder, no permission) or the platform is not Linux. Any thread; never throws.
std::optional<long> filesystemTypeOf(const std::string &folder);

// isNetworkFilesystemType of `folder`'s filesystem; false when its type is unknown. Any thread.
bool onNetworkFilesystem(const std::string &folder);

} // namespace sg
