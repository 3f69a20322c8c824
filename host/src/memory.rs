//! How much memory the process keeps resident.
//!
//! Start-up is the peak of a quiet Connector: the schema of every SQLite connection, the
//! identity's keys, the API document, the module engine. mimalloc keeps freed memory for reuse
//! and returns it only on later allocator activity, which an idle Connector does not have; and
//! where the kernel backs its arenas with transparent huge pages, each touched 4 KiB costs
//! 2 MiB. Together they kept about 100 MiB resident after a start that needs about 20.

/// No transparent huge pages for this process: resident memory then follows what is used.
/// Called first thing in `main`, before the allocator maps its arenas.
pub fn no_huge_pages() {
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and changes only this process's flag.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Returns the memory start-up used and freed to the system.
pub fn release_freed() {
    // SAFETY: mi_collect only walks the allocator's own structures.
    unsafe { libmimalloc_sys::mi_collect(true) }
}
