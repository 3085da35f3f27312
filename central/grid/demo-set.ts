// The demo's grid: a synthetic, illustrative set of connection points and
// lines around Makhachkala, Kaspiysk, Izberbash and Derbent. Positions are
// near the towns named, but the names carry "(усл.)" (illustrative), and
// every capacity figure is invented to show the map's cases — open, limited,
// closed, an operator's own figure, a planned reinforcement, a single
// transformer, a point with unknown capacity. It is marked illustrative in
// the data, the API and the page.
import type { ConnectionPoint, GridLine, GridSet } from "./model.ts";
import { loadGridSet, saveGridSet } from "./store.ts";

type Row = [
  id: string,
  name: string,
  lat: number,
  lon: number,
  voltages: number[],
  transformers: number[],
  peak: number | null,
  contracted: number,
  genConnected: number,
  genQueue: number,
];

const ROWS: Row[] = [
  ["dg-330-mkh", "ПС 330 кВ Махачкала (усл.)", 42.945, 47.455, [330, 110, 10], [240, 240], 190, 15, 40, 30],
  ["dg-330-chr", "ПС 330 кВ Чирюрт (усл.)", 43.21, 46.88, [330, 110, 35], [200, 200], 120, 10, 80, 20],
  ["dg-330-drb", "ПС 330 кВ Дербент (усл.)", 42.085, 48.255, [330, 110, 10], [125, 125], 95, 12, 5, 60],
  ["dg-110-mks", "ПС 110 кВ Махачкала-Северная (усл.)", 43.005, 47.47, [110, 35, 10], [63, 63], 41, 6, 2, 0],
  ["dg-110-mkv", "ПС 110 кВ Махачкала-Восточная (усл.)", 42.965, 47.53, [110, 10], [40, 40], 34, 3, 0, 0],
  ["dg-110-ksp", "ПС 110 кВ Каспийск (усл.)", 42.885, 47.625, [110, 35, 6], [40, 40], 22, 2, 0, 4],
  ["dg-110-tar", "ПС 110 кВ Тарки (усл.)", 42.93, 47.49, [110, 10], [25, 25], 19, 1, 0, 0],
  ["dg-110-krb", "ПС 110 кВ Карабудахкент (усл.)", 42.71, 47.575, [110, 35, 10], [25, 25], 9, 0.5, 3, 5],
  ["dg-110-izb", "ПС 110 кВ Избербаш (усл.)", 42.57, 47.865, [110, 35, 10], [40, 40], 21, 2, 6, 12],
  ["dg-110-kay", "ПС 110 кВ Каякент (усл.)", 42.385, 47.93, [110, 35, 10], [25, 25], 10, 0.5, 12, 8],
  ["dg-110-dog", "ПС 110 кВ Дагестанские Огни (усл.)", 42.12, 48.19, [110, 10], [16, 16], 11, 1, 0, 0],
  ["dg-110-bnk", "ПС 110 кВ Буйнакск (усл.)", 42.82, 47.12, [110, 35, 10], [40, 40], 25, 2, 10, 0],
  ["dg-110-krl", "ПС 110 кВ Кизилюрт (усл.)", 43.2, 46.87, [110, 10], [25, 25], 15, 1, 0, 0],
  ["dg-110-mjl", "ПС 110 кВ Маджалис (усл.)", 42.125, 47.83, [110, 35], [16], 5, 0, 0, 0],
  ["dg-110-blj", "ПС 110 кВ Белиджи (усл.)", 41.89, 48.41, [110, 10], [25, 25], 12, 1, 4, 14],
  ["dg-35-sgk", "ПС 35 кВ Сергокала (усл.)", 42.455, 47.66, [35, 10], [6.3, 6.3], 3.1, 0.2, 0, 0],
  ["dg-35-man", "ПС 35 кВ Манас (усл.)", 42.73, 47.67, [35, 10], [10, 10], 4.2, 0.3, 1, 0],
  ["dg-35-ini", "ПС 35 кВ Иниче (усл.)", 42.47, 47.93, [35, 10], [6.3, 6.3], 2.5, 0, 0.5, 1],
  ["dg-35-tbs", "ПС 35 кВ Табасаран (усл.)", 41.99, 48.02, [35, 10], [4, 4], 3.9, 0.4, 0, 0],
  ["dg-35-usk", "ПС 35 кВ Уллубийаул (усл.)", 42.62, 47.62, [35, 10], [], null, 0, 0, 0],
  ["dg-35-ach", "ПС 35 кВ Ачи-Су (усл.)", 42.66, 47.77, [35, 10], [10, 10], 3.0, 0, 0, 0],
  ["dg-10-nrd", "ТП 10 кВ Нардаран (усл.)", 42.8, 47.73, [10, 0.4], [1.6, 1.6], 0.9, 0.05, 0, 0],
];

/** Line endpoints by point id; voltage in kV. */
const LINKS: [string, string, number][] = [
  ["dg-330-chr", "dg-330-mkh", 330],
  ["dg-330-mkh", "dg-330-drb", 330],
  ["dg-330-mkh", "dg-110-mks", 110],
  ["dg-330-mkh", "dg-110-tar", 110],
  ["dg-110-tar", "dg-110-mkv", 110],
  ["dg-110-mkv", "dg-110-ksp", 110],
  ["dg-110-ksp", "dg-110-krb", 110],
  ["dg-110-krb", "dg-110-izb", 110],
  ["dg-110-izb", "dg-110-kay", 110],
  ["dg-110-kay", "dg-110-mjl", 110],
  ["dg-110-kay", "dg-110-dog", 110],
  ["dg-110-dog", "dg-330-drb", 110],
  ["dg-330-drb", "dg-110-blj", 110],
  ["dg-330-mkh", "dg-110-bnk", 110],
  ["dg-330-chr", "dg-110-krl", 110],
  ["dg-110-krl", "dg-110-mks", 110],
  ["dg-110-izb", "dg-35-sgk", 35],
  ["dg-110-krb", "dg-35-man", 35],
  ["dg-110-kay", "dg-35-ini", 35],
  ["dg-110-mjl", "dg-35-tbs", 35],
  ["dg-110-krb", "dg-35-usk", 35],
  ["dg-110-izb", "dg-35-ach", 35],
  ["dg-110-mkv", "dg-10-nrd", 10],
];

/** The figures some points have besides the common ones: a planned reinforcement, an operator's own headroom. */
const EXTRA: Record<string, Partial<ConnectionPoint>> = {
  "dg-330-drb": { reinforcement_year: 2028 },
  "dg-110-izb": { available_generation_mw: 30 },
  "dg-35-ach": { available_demand_mw: 2.5 },
};

export function demoGridSet(nowMs = Date.now()): GridSet {
  const points: ConnectionPoint[] = ROWS.map(
    ([id, name, lat, lon, voltages, transformers, peak, contracted, genConnected, genQueue]) => ({
      id,
      name,
      operator: "Условная сетевая компания (демо)",
      lat,
      lon,
      voltages_kv: voltages,
      transformer_mva: transformers,
      peak_load_mw: peak,
      contracted_demand_mw: contracted,
      generation_connected_mw: genConnected,
      generation_queue_mw: genQueue,
      reinforcement_year: null,
      available_generation_mw: null,
      available_demand_mw: null,
      ...EXTRA[id],
    }),
  );
  const byId = new Map(points.map((p) => [p.id, p]));
  const lines: GridLine[] = LINKS.map(([a, b, kv]) => {
    const pa = byId.get(a)!;
    const pb = byId.get(b)!;
    return {
      id: `${a}--${b}`,
      name: `ВЛ ${kv} кВ ${pa.name.replace(/^\S+ \d+ кВ /, "").replace(" (усл.)", "")} — ${pb.name.replace(/^\S+ \d+ кВ /, "")}`,
      operator: "Условная сетевая компания (демо)",
      voltage_kv: kv,
      coordinates: [
        [pa.lon, pa.lat],
        [pb.lon, pb.lat],
      ],
    };
  });
  return { points, lines, illustrative: true, source: "demo", imported_at: new Date(nowMs).toISOString() };
}

/**
 * The demo's wiring: stores the illustrative set in the data dir unless an
 * operator has imported a real one there (a real set is never overwritten).
 */
export function installDemoGrid(dataDir: string): void {
  let existing: GridSet | null = null;
  try {
    existing = loadGridSet(dataDir);
  } catch {
    existing = null;
  }
  if (existing && !existing.illustrative) return;
  saveGridSet(dataDir, demoGridSet());
}
