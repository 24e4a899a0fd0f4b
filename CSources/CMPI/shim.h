// The few MPI handles ScratchNet uses, as functions Swift can call.
//
// Open MPI defines MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, MPI_IN_PLACE, ... as
// macros that take the address of a global struct through casts; Swift's
// importer cannot see such macros, so each one is wrapped in a static inline
// function here. Only built with the opt-in `MPI` package trait.
#ifndef SN_MPI_SHIM_H
#define SN_MPI_SHIM_H

#include <mpi.h>

static inline MPI_Comm sn_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype sn_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype sn_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Op sn_mpi_sum(void) { return MPI_SUM; }
static inline void *sn_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline int sn_mpi_success(void) { return MPI_SUCCESS; }
static inline int sn_mpi_thread_serialized(void) { return MPI_THREAD_SERIALIZED; }

#endif
