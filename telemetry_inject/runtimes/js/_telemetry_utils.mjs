// ES module face of the telemetry runtime: the same functions and the same state as
// _telemetry_utils.cjs beside it (copied together into the repository by telemetry-inject).
export { start, startAsync, startDetached, call, callAsync, attr, flush } from "./_telemetry_utils.cjs";
