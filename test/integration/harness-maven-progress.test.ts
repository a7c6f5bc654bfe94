/**
 * The first-run download report of the harness: Maven's batch-mode "Downloaded from" lines are
 * counted into files and bytes. Lines copied from a real first run into an empty repository.
 */
import assert from "node:assert/strict";
import { countMavenDownload, describeProgress, type DownloadProgress } from "../../harness/lib/classpath";

describe("harness: Maven download progress", () => {
  it("counts Downloaded lines with their sizes in B, kB and MB, and ignores everything else", () => {
    const progress: DownloadProgress = { files: 0, bytes: 0 };
    const lines = [
      "[INFO] Scanning for projects...",
      "Downloading from central: https://repo.maven.apache.org/maven2/org/apache/pulsar/pulsar/4.2.4/pulsar-4.2.4.pom",
      "Downloaded from central: https://repo.maven.apache.org/maven2/org/apache/pulsar/pulsar/4.2.4/pulsar-4.2.4.pom (112 kB at 1.1 MB/s)",
      "Downloaded from central: https://repo.maven.apache.org/maven2/io/netty/netty-common/4.1.118.Final/netty-common-4.1.118.Final.jar (716 B at 12 kB/s)",
      "[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/org/rocksdb/rocksdbjni/9.9.3/rocksdbjni-9.9.3.jar (68.3 MB at 20 MB/s)",
      "Progress (1): 2.4/68 MB",
    ];
    const counted = lines.filter((line) => countMavenDownload(line, progress));
    assert.equal(counted.length, 3);
    assert.equal(progress.files, 3);
    assert.equal(progress.bytes, 112e3 + 716 + 68.3e6);
    assert.equal(progress.last, "rocksdbjni-9.9.3.jar");
    assert.equal(describeProgress(progress, 12_400), "Maven: 3 files, 68 of ~265 MB downloaded in 12 s (latest: rocksdbjni-9.9.3.jar)");
  });
});
