/** Structure of the Kubernetes example (no cluster needed): parse the YAML and check the fields. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

type Obj = { [k: string]: any };
const docs: Obj[] = parseAllDocuments(readFileSync(join(import.meta.dirname, 'app-with-flowdb.yaml'), 'utf8')).map((d) => {
  assert.deepEqual(d.errors, [], 'YAML parse errors');
  return d.toJS() as Obj;
});
const deployment = docs.find((d) => d['kind'] === 'Deployment') as Obj;
const pod = deployment?.['spec']?.['template']?.['spec'] as Obj;
const sidecar = (pod?.['initContainers'] ?? []).find((c: Obj) => c['name'] === 'flowdb') as Obj;
const app = (pod?.['containers'] ?? [])[0] as Obj;
const env = (c: Obj): Map<string, string> => new Map((c['env'] ?? []).map((e: Obj) => [e['name'], e['value']]));
const GRPC_PORT = 50051;

test('every document has apiVersion, kind and a name', () => {
  assert.ok(docs.length >= 2);
  for (const d of docs) {
    assert.equal(typeof d['apiVersion'], 'string');
    assert.equal(typeof d['kind'], 'string');
    assert.equal(typeof d['metadata']?.['name'], 'string');
  }
  assert.deepEqual(deployment['spec']['selector']['matchLabels'], deployment['spec']['template']['metadata']['labels']);
});

test('flowdb is a native sidecar: an init container with restartPolicy Always', () => {
  assert.ok(sidecar, 'initContainers has no "flowdb" entry');
  assert.equal(sidecar['restartPolicy'], 'Always');
  assert.ok(!(pod['containers'] as Obj[]).some((c) => c['name'] === 'flowdb'), 'flowdb must not be a regular container');
  assert.ok(app, 'an application container');
});

test('probes are gRPC health checks on the gRPC port, which the server listens on', () => {
  for (const p of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
    const probe = sidecar[p] as Obj;
    assert.ok(probe, `${p} missing`);
    assert.equal(probe['grpc']?.['port'], GRPC_PORT, `${p} is not grpc on ${GRPC_PORT}`);
    assert.equal(probe['httpGet'] ?? probe['exec'] ?? probe['tcpSocket'], undefined);
  }
  assert.ok((sidecar['ports'] as Obj[]).some((p) => p['containerPort'] === GRPC_PORT && p['name'] === 'grpc'));
  const listen = (env(sidecar).get('FLOWDB_LISTEN') ?? '').split(',');
  assert.ok(listen.includes(`0.0.0.0:${GRPC_PORT}`), 'kubelet probes need a TCP listener on the pod IP');
  assert.ok(sidecar['readinessProbe']['grpc']['service'] === undefined || /^flowdb\.v1\./.test(sidecar['readinessProbe']['grpc']['service']));
});

test('data volume is mounted at the data dir and backed by a PVC', () => {
  const dataDir = env(sidecar).get('FLOWDB_DATA_DIR');
  assert.equal(dataDir, '/var/lib/flowdb');
  const mount = (sidecar['volumeMounts'] as Obj[]).find((m) => m['mountPath'] === dataDir);
  assert.ok(mount, 'no volumeMount at the data dir');
  const vol = (pod['volumes'] as Obj[]).find((v) => v['name'] === mount['name']) as Obj;
  assert.ok(vol?.['persistentVolumeClaim'], 'data volume is not a PVC');
  assert.ok(docs.some((d) => d['kind'] === 'PersistentVolumeClaim' && d['metadata']['name'] === vol['persistentVolumeClaim']['claimName']));
  assert.equal(deployment['spec']['strategy']['type'], 'Recreate');
});

test('Unix-socket option: a shared emptyDir holds the socket the app is pointed at', () => {
  const sock = (env(sidecar).get('FLOWDB_LISTEN') ?? '').split(',').find((a) => a.startsWith('unix:'))?.slice(5);
  assert.ok(sock, 'no unix: listen address');
  assert.equal(env(app).get('FLOWDB_UNIX_SOCKET'), sock);
  const dir = sock.slice(0, sock.lastIndexOf('/'));
  const sMount = (sidecar['volumeMounts'] as Obj[]).find((m) => m['mountPath'] === dir) as Obj;
  const aMount = (app['volumeMounts'] as Obj[]).find((m) => m['mountPath'] === dir) as Obj;
  assert.ok(sMount && aMount && sMount['name'] === aMount['name'], 'sidecar and app must share the socket dir');
  assert.ok((pod['volumes'] as Obj[]).find((v) => v['name'] === sMount['name'])?.['emptyDir'] !== undefined);
  // the server creates the socket 0660: the app needs the sidecar's group (fsGroup adds it)
  assert.equal(pod['securityContext']['fsGroup'], sidecar['securityContext']['runAsGroup']);
});

test('resources: requests set (and a memory limit)', () => {
  for (const c of [sidecar, app]) {
    assert.ok(c['resources']?.['requests']?.['cpu'], `${c['name']}: cpu request`);
    assert.ok(c['resources']?.['requests']?.['memory'], `${c['name']}: memory request`);
    assert.ok(c['resources']?.['limits']?.['memory'], `${c['name']}: memory limit`);
  }
});

test('runs as non-root, no privilege escalation, read-only root filesystem', () => {
  assert.equal(pod['securityContext']['runAsNonRoot'], true);
  for (const c of [sidecar, app]) {
    const sc = c['securityContext'] as Obj;
    assert.equal(sc['runAsNonRoot'], true, c['name']);
    assert.ok(Number(sc['runAsUser']) > 0, c['name']);
    assert.equal(sc['allowPrivilegeEscalation'], false, c['name']);
    assert.equal(sc['readOnlyRootFilesystem'], true, c['name']);
    assert.deepEqual(sc['capabilities']['drop'], ['ALL'], c['name']);
  }
  assert.equal(sidecar['securityContext']['runAsUser'], 65532, 'the image user');
});

test('graceful stop fits the grace period', () => {
  const ms = Number(env(sidecar).get('FLOWDB_SHUTDOWN_TIMEOUT_MS'));
  assert.ok(ms > 0 && ms / 1000 < Number(pod['terminationGracePeriodSeconds']));
});
