import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{common,edge-agent,central,simulators,dashboards,deploy,test,cli}/**/*.test.ts"],
    // Real servers (InfluxDB, OPC UA, Modbus) start per suite; keep files
    // apart so ports and temp dirs never collide, and give them time on a
    // 2-core machine.
    pool: "forks",
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ["default", "json"],
    outputFile: { json: "reports/vitest.json" },
  },
});
