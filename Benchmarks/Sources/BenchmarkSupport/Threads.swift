/// The thread counts every multi-threaded benchmark runs at. The reference
/// host has 2 cores; more threads than cores only measures contention.
public let benchmarkThreadCounts = [1, 2]
