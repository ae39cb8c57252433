// Types of _telemetry_utils.mjs: the same API as the CommonJS file it re-exports.
export * from "./_telemetry_utils.cjs";
