// The Cloud Storage store against fake-gcs-server (scripts/ensure-fake-gcs.sh), started on
// 127.0.0.1 for the suite and stopped by PID: the ObjectStore contract and check()'s failures (a
// missing bucket, a closed port). What fake-gcs-server does not honour is declared as a gap, and
// its test asserts the gap: v1.56.1 ignores ifGenerationMatch on delete (fakestorage/object.go,
// deleteObject reads only `generation`), and it accepts any credentials, so refused credentials
// cannot be shown here.

import { openBackend } from "../../automation/store/open";
import { freePort } from "../../harness/net";
import { FAKE_GCS_VERSION, launchFakeGcs, requireEmulator } from "../support/emulators";
import { describeConformance } from "../unit/store/conformance";

const BUCKET = "progressive-state";
const PAGE = 3;

describe("Cloud Storage store on fake-gcs-server", function () {
  this.timeout(120_000);
  let gcs: Awaited<ReturnType<typeof launchFakeGcs>> | undefined;
  let closedPort = 0;
  let run = 0;

  const open = async (bucket: string, endpoint = gcs?.endpoint) =>
    (await openBackend(`gs://${bucket}/run-${++run}?endpoint=${endpoint}`, { pageSize: PAGE })).objects;

  before(async function () {
    gcs = await requireEmulator(this, "Cloud Storage emulator tests", launchFakeGcs);
    await gcs.createBucket(BUCKET);
    closedPort = await freePort();
  });

  after(async () => {
    await gcs?.stop();
  });

  describeConformance(`cloud storage (fake-gcs-server ${FAKE_GCS_VERSION})`, () => ({
    fresh: () => open(BUCKET),
    pageSize: PAGE,
    gaps: {
      conditionalDelete: `fake-gcs-server ${FAKE_GCS_VERSION} ignores ifGenerationMatch on delete (Cloud Storage honours it)`,
    },
    failing: () => [
      {
        label: "a bucket that does not exist",
        open: () => open("no-such-bucket"),
        failure: "notFound",
        mentions: [/create the bucket \(gcloud storage buckets create gs:\/\/no-such-bucket\)/],
      },
      {
        label: "an endpoint where nothing listens",
        open: () => open(BUCKET, `http://127.0.0.1:${closedPort}`),
        failure: "unreachable",
        mentions: [/ECONNREFUSED/, new RegExp(`check that http://127.0.0.1:${closedPort} answers`)],
      },
    ],
  }));
});
