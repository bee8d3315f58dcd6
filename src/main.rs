// Building a site allocates heavily from several threads; mimalloc needs about 15% less CPU
// than the system allocator for it (see BENCHMARKS.md). Without transparent huge pages: they
// cost more kernel time than they save once the archive needs gigabytes (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(gongkai::cli::run());
}
