// Feature flags for the sample service: the OpenFeature server SDK with the flagd provider in
// in-process mode, reading a flagd flag file (FLAG_FILE) that the FeatureFlag component writes.
// Loaded only when FLAG_FILE is set, so the plain service keeps no dependencies.
//
// The flagd provider watches its file with fs.watchFile at Node's default interval (about 5 s).
// Node keeps one stat watcher per file and the first caller's interval, so watching the file
// first at FLAG_POLL_MS makes the provider see a change (a kill switch) within that interval.

const fs = require("node:fs");
const path = require("node:path");

/** Prometheus text of the flag counters. */
function createFlagMetrics() {
  const requests = new Map(); // `${flag}\0${variant}\0${status}` -> count
  const durations = new Map(); // `${flag}\0${variant}` -> { sum, count }
  const label = (v) => String(v).replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
  return {
    observe(flag, variant, status, seconds) {
      const k = `${flag}\0${variant}\0${status}`;
      requests.set(k, (requests.get(k) ?? 0) + 1);
      const d = durations.get(`${flag}\0${variant}`) ?? { sum: 0, count: 0 };
      d.sum += seconds;
      d.count += 1;
      durations.set(`${flag}\0${variant}`, d);
    },
    text() {
      const out = [
        "# HELP flag_requests_total Requests answered, by feature flag, variant served and status.",
        "# TYPE flag_requests_total counter",
      ];
      for (const [k, n] of requests) {
        const [flag, variant, status] = k.split("\0");
        out.push(
          `flag_requests_total{flag="${label(flag)}",variant="${label(variant)}",status="${status}"} ${n}`,
        );
      }
      out.push(
        "# HELP flag_request_duration_seconds Time to answer, by feature flag and variant.",
        "# TYPE flag_request_duration_seconds summary",
      );
      for (const [k, d] of durations) {
        const [flag, variant] = k.split("\0");
        const l = `flag="${label(flag)}",variant="${label(variant)}"`;
        out.push(`flag_request_duration_seconds_sum{${l}} ${d.sum}`);
        out.push(`flag_request_duration_seconds_count{${l}} ${d.count}`);
      }
      return `${out.join("\n")}\n`;
    },
  };
}

/**
 * Starts the OpenFeature client on the flag file; resolves once the provider has read it.
 * Returns `evaluate(targetingKey)` -> { variant, value, reason }.
 */
async function startFlags({ file, key, type, pollMs }) {
  const { OpenFeature } = require("@openfeature/server-sdk");
  const { FlagdProvider } = require("@openfeature/flagd-provider");
  const absolute = path.resolve(file);
  // Must come before the provider's own watchFile (see above); the listener does nothing itself.
  fs.watchFile(absolute, { interval: pollMs, persistent: false }, () => {});
  await OpenFeature.setProviderAndWait(
    new FlagdProvider({ resolverType: "in-process", offlineFlagSourcePath: absolute }),
  );
  const client = OpenFeature.getClient("local-app");
  const getters = {
    boolean: (k, ctx) => client.getBooleanDetails(k, false, ctx),
    string: (k, ctx) => client.getStringDetails(k, "", ctx),
    number: (k, ctx) => client.getNumberDetails(k, 0, ctx),
    object: (k, ctx) => client.getObjectDetails(k, {}, ctx),
  };
  const get = getters[type];
  if (!get)
    throw new Error(`FLAG_TYPE must be boolean, string, number or object, got ${JSON.stringify(type)}`);
  return {
    async evaluate(targetingKey) {
      const d = await get(key, targetingKey ? { targetingKey } : {});
      return { variant: d.variant ?? "default", value: d.value, reason: d.reason, error: d.errorCode };
    },
    close: () => {
      fs.unwatchFile(absolute);
      return OpenFeature.close();
    },
  };
}

module.exports = { createFlagMetrics, startFlags };
