#if MPI
import CMPI
#if canImport(Glibc)
import Glibc
#endif
import ScratchNetCore

/// A ``Communicator`` over MPI's `MPI_COMM_WORLD`: one rank per process
/// started by `mpirun`, on one machine or many.
///
/// Build with `swift build --traits MPI` (Open MPI: Debian `openmpi-bin
/// libopenmpi-dev`). MPI is initialized by the first communicator made and
/// finalized when the process exits, since MPI allows one init per process.
/// Only the thread that made the communicator may call it
/// (`MPI_THREAD_SERIALIZED`): the OpenMP kernels never call MPI.
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int

    /// Joins `MPI_COMM_WORLD` (run alone, without `mpirun`, it is a job of one).
    public init() throws {
        var initialized: Int32 = 0
        MPI_Initialized(&initialized)
        if initialized == 0 {
            var provided: Int32 = 0
            try Self.check(MPI_Init_thread(nil, nil, sn_mpi_thread_serialized(), &provided), "MPI_Init_thread")
            atexit {
                var finalized: Int32 = 0
                MPI_Finalized(&finalized)
                if finalized == 0 { MPI_Finalize() }
            }
        }
        var r: Int32 = 0
        var s: Int32 = 0
        try Self.check(MPI_Comm_rank(sn_mpi_comm_world(), &r), "MPI_Comm_rank")
        try Self.check(MPI_Comm_size(sn_mpi_comm_world(), &s), "MPI_Comm_size")
        rank = Int(r)
        size = Int(s)
    }

    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        try Self.check(MPI_Allreduce(sn_mpi_in_place(), base, Int32(buffer.count), sn_mpi_float(), sn_mpi_sum(),
                                     sn_mpi_comm_world()), "MPI_Allreduce of \(buffer.count) floats")
    }

    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        try Self.check(MPI_Allreduce(sn_mpi_in_place(), base, Int32(buffer.count), sn_mpi_double(), sn_mpi_sum(),
                                     sn_mpi_comm_world()), "MPI_Allreduce of \(buffer.count) doubles")
    }

    public func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) throws {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        try Self.check(MPI_Bcast(base, Int32(buffer.count), sn_mpi_float(), Int32(root), sn_mpi_comm_world()),
                       "MPI_Bcast of \(buffer.count) floats from rank \(root)")
    }

    private static func check(_ code: Int32, _ operation: @autoclosure () -> String) throws {
        guard code != sn_mpi_success() else { return }
        var text = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &text, &length)
        throw CommunicatorError(operation: operation(), message: "MPI error \(code): \(String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))")
    }
}
#endif
