// The Kubernetes manifests without a cluster: every document parses, has
// the apiVersion its kind is served under and a name; the objects refer to
// each other correctly (the HPA to the Deployment, the Service and the PDB
// to its pods, the Ingress to the Service, the Deployment to the ConfigMap,
// Secrets); central's config from the ConfigMap, with the environment the
// Deployment gives it, passes parseCentralConfig and listens, serves
// metrics and stores where the probes, the scrape annotations and volumes
// expect; and the replicas may run on any node: no pod affinity, no
// volume claim, a topology spread over the nodes, a disruption budget, the
// metadata in PostgreSQL from the CloudNativePG cluster's own Secret.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { parseCentralConfig } from "../central/config.ts";
import { envReadByCode, NODE_RUNTIME_ENV } from "./env-read.ts";

const DIR = join(import.meta.dirname, "k8s");

/** The apiVersion each kind is served under (Kubernetes ≥ 1.23 for autoscaling/v2). */
const API_VERSIONS: Record<string, string> = {
  Namespace: "v1",
  ConfigMap: "v1",
  Secret: "v1",
  Service: "v1",
  // CloudNativePG's PostgreSQL cluster (https://cloudnative-pg.io/documentation/current/cloudnative-pg.v1/).
  Cluster: "postgresql.cnpg.io/v1",
  Deployment: "apps/v1",
  HorizontalPodAutoscaler: "autoscaling/v2",
  PodDisruptionBudget: "policy/v1",
  Ingress: "networking.k8s.io/v1",
  Kustomization: "kustomize.config.k8s.io/v1beta1",
};

type Doc = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are checked field by field below.
  [k: string]: any;
};

const files = readdirSync(DIR).filter((f) => f.endsWith(".yaml"));
const docs: { file: string; doc: Doc }[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(DIR, file), "utf8")).map((d) => {
    if (d.errors.length) throw new Error(`${file}: ${d.errors[0]!.message}`);
    return { file, doc: d.toJS() as Doc };
  }),
);
const objects = docs.filter((d) => d.doc.kind !== "Kustomization");
const one = (kind: string, name?: string): Doc => {
  const found = objects.filter(
    (d) => d.doc.kind === kind && (name === undefined || d.doc.metadata.name === name),
  );
  if (found.length !== 1)
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ""}, found ${found.length}`);
  return found[0]!.doc;
};
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

describe("deploy/k8s manifests", () => {
  const deployment = one("Deployment", "vetra-central");
  const pod = deployment.spec.template;
  const container = pod.spec.containers.find((c: Doc) => c.name === "central");

  it("parse; each has the apiVersion of its kind and a name; kustomization lists every file", () => {
    expect(files.length).toBeGreaterThanOrEqual(9);
    for (const { file, doc } of docs) {
      expect(API_VERSIONS[doc.kind], `${file}: kind ${doc.kind}`).toBeDefined();
      expect(doc.apiVersion, `${file}: ${doc.kind}`).toBe(API_VERSIONS[doc.kind]);
      if (doc.kind !== "Kustomization")
        expect(doc.metadata?.name, file).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    const kustomization = docs.find((d) => d.doc.kind === "Kustomization")!.doc;
    expect([...kustomization.resources].sort()).toEqual(
      files.filter((f) => f !== "kustomization.yaml").sort(),
    );
    for (const { doc } of objects)
      if (doc.kind !== "Namespace")
        expect(doc.metadata.namespace, doc.metadata.name).toBe(kustomization.namespace);
    expect(kustomization.images.map((i: Doc) => i.name)).toContain(container.image);
  });

  it("Deployment: two or more replicas, readiness /readyz, liveness /healthz, resources, non-root", () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(matches(deployment.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    const port = container.ports.find((p: Doc) => p.name === "http");
    expect(container.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(container.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(port.containerPort).toBe(8080);
    for (const kind of ["requests", "limits"])
      for (const resource of ["cpu", "memory"])
        expect(container.resources[kind][resource], `${kind}.${resource}`).toBeTruthy();
    expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    });
    expect(container.args).toEqual(["central", "--config", "/etc/vetra/central.yaml"]);
  });

  it("replicas on any node: no pod affinity, no volume claim, spread over the nodes, a disruption budget", () => {
    expect(pod.spec.affinity?.podAffinity).toBeUndefined();
    expect(objects.filter((d) => d.doc.kind === "PersistentVolumeClaim")).toEqual([]);
    for (const v of pod.spec.volumes) expect(v.persistentVolumeClaim, v.name).toBeUndefined();
    // What the pod keeps on disk lives as long as the pod.
    const mounts = Object.fromEntries(container.volumeMounts.map((m: Doc) => [m.mountPath, m.name]));
    const volumes = Object.fromEntries(pod.spec.volumes.map((v: Doc) => [v.name, v]));
    const config = parseAllDocuments(
      one("ConfigMap", "vetra-central-config").data["central.yaml"],
    )[0]!.toJS();
    expect(volumes[mounts[config.dataDir]].emptyDir).toEqual({});

    const spread = pod.spec.topologySpreadConstraints.find(
      (c: Doc) => c.topologyKey === "kubernetes.io/hostname",
    );
    expect(spread).toMatchObject({
      maxSkew: 1,
      whenUnsatisfiable: "DoNotSchedule",
      nodeTaintsPolicy: "Honor",
    });
    expect(matches(spread.labelSelector.matchLabels, pod.metadata.labels)).toBe(true);

    // Holding nothing but caches, a replica on a lost node is replaced sooner than the default 300 s.
    for (const key of ["node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready"])
      expect(
        pod.spec.tolerations.find((t: Doc) => t.key === key && t.effect === "NoExecute").tolerationSeconds,
        key,
      ).toBeLessThan(300);

    const pdb = one("PodDisruptionBudget");
    expect(matches(pdb.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    // A drain may take a replica at a time, never all of them, and is not blocked for good.
    const hpa = one("HorizontalPodAutoscaler");
    if (pdb.spec.maxUnavailable !== undefined) {
      expect(pdb.spec.maxUnavailable).toBeGreaterThanOrEqual(1);
      expect(pdb.spec.maxUnavailable).toBeLessThan(Math.min(deployment.spec.replicas, hpa.spec.minReplicas));
    } else {
      expect(pdb.spec.minAvailable).toBeGreaterThanOrEqual(1);
      expect(pdb.spec.minAvailable).toBeLessThan(Math.min(deployment.spec.replicas, hpa.spec.minReplicas));
    }
  });

  it("PostgreSQL is a CloudNativePG Cluster; DATABASE_URL is the `uri` of the Secret it makes; its connections cover the HPA's maximum", () => {
    const cluster = one("Cluster");
    expect(cluster.spec.instances).toBeGreaterThanOrEqual(2);
    // A standby confirms each commit, and one may be lost without stopping writes.
    expect(cluster.spec.minSyncReplicas).toBeGreaterThanOrEqual(1);
    expect(cluster.spec.maxSyncReplicas).toBeLessThan(cluster.spec.instances - 1);
    expect(cluster.spec.affinity).toMatchObject({
      enablePodAntiAffinity: true,
      topologyKey: "kubernetes.io/hostname",
    });
    const databaseUrl = container.env.find((e: Doc) => e.name === "DATABASE_URL");
    // The operator names its application Secret `<cluster>-app`; `uri` holds the whole URL.
    expect(databaseUrl.valueFrom.secretKeyRef).toEqual({ name: `${cluster.metadata.name}-app`, key: "uri" });
    expect(databaseUrl.value).toBeUndefined();
    const { metadata } = parseAllDocuments(
      one("ConfigMap", "vetra-central-config").data["central.yaml"],
    )[0]!.toJS();
    expect(metadata.kind).toBe("postgres");
    expect(metadata.url).toBeUndefined(); // no password in a ConfigMap
    // Per replica: the pool, two relaxed-write connections and the LISTEN connection (central/db/postgres.ts).
    const perReplica = metadata.maxConnections + 2 + 1;
    const hpa = one("HorizontalPodAutoscaler");
    expect(Number(cluster.spec.postgresql.parameters.max_connections)).toBeGreaterThan(
      hpa.spec.maxReplicas * perReplica,
    );
  });

  it("every replica has the same secrets key, from a Secret mounted read-only", () => {
    const { secretsKeyFile } = parseAllDocuments(
      one("ConfigMap", "vetra-central-config").data["central.yaml"],
    )[0]!.toJS();
    const mount = container.volumeMounts.find((m: Doc) => secretsKeyFile.startsWith(`${m.mountPath}/`));
    expect(mount?.readOnly).toBe(true);
    const volume = pod.spec.volumes.find((v: Doc) => v.name === mount.name);
    const secret = one("Secret", volume.secret.secretName);
    expect(Object.keys(secret.stringData)).toContain(secretsKeyFile.slice(mount.mountPath.length + 1));
  });

  it("HPA (autoscaling/v2) scales the Deployment from at least two replicas on CPU", () => {
    const hpa = one("HorizontalPodAutoscaler");
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "vetra-central",
    });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    expect(hpa.spec.metrics).toContainEqual(
      expect.objectContaining({ type: "Resource", resource: expect.objectContaining({ name: "cpu" }) }),
    );
  });

  it("Service, PodDisruptionBudget and Ingress select the Deployment's pods and port", () => {
    const service = one("Service", "vetra-central");
    expect(matches(service.spec.selector, pod.metadata.labels)).toBe(true);
    const portNames = container.ports.map((p: Doc) => p.name);
    for (const p of service.spec.ports) expect(portNames).toContain(p.targetPort);
    expect(matches(one("PodDisruptionBudget").spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    const backend = one("Ingress").spec.rules[0].http.paths[0].backend.service;
    expect(backend.name).toBe(service.metadata.name);
    expect(service.spec.ports.map((p: Doc) => p.name)).toContain(backend.port.name);
  });

  it("the ConfigMap's central config, with the Deployment's environment, passes parseCentralConfig", () => {
    const configMap = one("ConfigMap", "vetra-central-config");
    const secret = one("Secret", "vetra-central-influx");
    const cluster = one("Cluster");
    const { database, owner } = cluster.spec.bootstrap.initdb;
    // The Secret CloudNativePG makes: its `uri` points at the cluster's read-write Service.
    const operatorUri = `postgresql://${owner}:generated@${cluster.metadata.name}-rw.${cluster.metadata.namespace}:5432/${database}`;
    const env: Record<string, string> = {};
    const set: string[] = [];
    for (const e of container.env) {
      set.push(e.name);
      if (e.value !== undefined) env[e.name] = e.value;
      const ref = e.valueFrom?.secretKeyRef;
      if (ref?.name === `${cluster.metadata.name}-app`) env[e.name] = operatorUri;
      else if (ref) {
        expect(ref.name).toBe(secret.metadata.name);
        const value = secret.stringData[ref.key];
        if (value === undefined) expect(ref.optional, `${e.name}: missing key ${ref.key}`).toBe(true);
        else env[e.name] = value;
      }
    }
    const read = envReadByCode();
    expect(set.filter((name) => !read.has(name) && !NODE_RUNTIME_ENV.has(name))).toEqual([]);

    const mounts = Object.fromEntries(container.volumeMounts.map((m: Doc) => [m.name, m.mountPath]));
    const volumes = Object.fromEntries(pod.spec.volumes.map((v: Doc) => [v.name, v]));
    const configVolume = Object.keys(mounts).find(
      (n) => volumes[n].configMap?.name === configMap.metadata.name,
    )!;
    expect(`${mounts[configVolume]}/central.yaml`).toBe(container.args[2]);
    const file = parseAllDocuments(configMap.data["central.yaml"])[0]!.toJS();
    expect(() => parseCentralConfig(file, {})).toThrow(/store\.url/);
    const config = parseCentralConfig(file, env);
    expect(config.server).toMatchObject({ host: "0.0.0.0", port: 8080 });
    // Prometheus scrapes the metrics listener the config opens, on a port the Service does not expose.
    const annotations = pod.metadata.annotations ?? {};
    expect(annotations["prometheus.io/scrape"]).toBe("true");
    expect(annotations["prometheus.io/path"]).toBe("/metrics");
    expect(Number(annotations["prometheus.io/port"])).toBe(config.server.metrics?.port);
    const metricsPort = container.ports.find((p: Doc) => p.name === "metrics");
    expect(metricsPort?.containerPort).toBe(config.server.metrics?.port);
    expect(config.server.metrics?.host ?? config.server.host).toBe("0.0.0.0");
    const service = one("Service", "vetra-central");
    expect(service.spec.ports.map((p: Doc) => p.targetPort)).not.toContain("metrics");
    // Behind the Ingress: the controller's forwarded client address is believed, from cluster-private peers only.
    expect(config.server.trustProxy).toBe("uniquelocal");
    expect(Object.values(mounts)).toContain(config.dataDir);
    expect(config.metadata).toMatchObject({ kind: "postgres", url: operatorUri });
    expect(() => parseCentralConfig(file, { ...env, DATABASE_URL: undefined } as never)).toThrow(/metadata/);
    expect(config.store.kind).toBe("influx");
    if (config.store.kind !== "influx") return;
    // InfluxDB is the external service of influxdb-external.yaml.
    const url = new URL(config.store.url);
    const external = one("Service", url.hostname);
    expect(external.spec.type).toBe("ExternalName");
    expect(external.spec.ports.map((p: Doc) => String(p.port))).toContain(url.port);
    expect(config.store.username).toBe(secret.stringData.INFLUX_USER);
    expect(config.store.password).toBe(secret.stringData.INFLUX_PASSWORD);
  });

  it("the Prometheus Operator overlay adds a PodMonitor on the replicas' metrics port", () => {
    const overlay = join(DIR, "prometheus-operator");
    const read = (f: string) => parseAllDocuments(readFileSync(join(overlay, f), "utf8"))[0]!.toJS() as Doc;
    const kustomization = read("kustomization.yaml");
    expect(kustomization.apiVersion).toBe(API_VERSIONS.Kustomization);
    expect(kustomization.resources).toEqual(["..", "podmonitor.yaml"]);
    const monitor = read("podmonitor.yaml");
    expect(monitor.apiVersion).toBe("monitoring.coreos.com/v1");
    expect(monitor.kind).toBe("PodMonitor");
    expect(monitor.metadata.namespace).toBe(kustomization.namespace);
    expect(matches(monitor.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    const [endpoint] = monitor.spec.podMetricsEndpoints;
    expect(endpoint.path).toBe(pod.metadata.annotations["prometheus.io/path"]);
    const port = container.ports.find((p: Doc) => p.name === endpoint.port);
    expect(port?.containerPort).toBe(Number(pod.metadata.annotations["prometheus.io/port"]));
  });
});
