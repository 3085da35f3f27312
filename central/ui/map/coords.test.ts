// The /map page's coordinate parser on what people type and on what an
// attacker or a slip of the keyboard sends.
import { describe, expect, it } from "vitest";
import { parseCoordinates } from "./coords.js";

const near = (text: string, lat: number, lon: number) => {
  const r = parseCoordinates(text);
  expect(r, text).not.toBeNull();
  expect(r!.lat, text).toBeCloseTo(lat, 6);
  expect(r!.lon, text).toBeCloseTo(lon, 6);
};

describe("parseCoordinates", () => {
  it("reads decimal degrees with a point or a comma and any usual separator", () => {
    for (const text of [
      "43.5, 45.2",
      "43.5,45.2",
      "43.5 45.2",
      "43.5;45.2",
      "43,5 45,2",
      "43,5; 45,2",
      "43,5, 45,2",
      "  43.5 ,\t45.2  ",
      "43.5/45.2",
      "+43.5 +45.2",
      "lat 43.5 lon 45.2",
      "широта 43,5 долгота 45,2",
    ])
      near(text, 43.5, 45.2);
    near("42.98139, 47.50417", 42.98139, 47.50417);
    near("43,45", 43, 45);
    near("-33.9, 151.2", -33.9, 151.2);
    near("−33,9 −70,6", -33.9, -70.6);
  });

  it("reads degrees, minutes and seconds with marks, look-alike marks or spaces", () => {
    const lat = 42 + 58 / 60 + 53 / 3600;
    const lon = 47 + 30 / 60 + 15 / 3600;
    for (const text of [
      "42°58′53″N 47°30′15″E",
      "42°58'53\"N 47°30'15\"E",
      "42°58’53”N, 47°30’15”E",
      "42º58'53'' N 47º30'15'' E",
      "N 42°58′53″ E 47°30′15″",
      "N42 58 53 E47 30 15",
      "42 58 53 N 47 30 15 E",
      "42 58 53 47 30 15",
      "42°58′53″ 47°30′15″",
      "42°58′53″ с.ш. 47°30′15″ в.д.",
      "42°58′53″ с. ш., 47°30′15″ в. д.",
      "С 42°58′53″ В 47°30′15″",
      "42°58′53″С 47°30′15″В",
      "42°58′53″ северной широты 47°30′15″ восточной долготы",
      "47°30′15″E 42°58′53″N",
    ])
      near(text, lat, lon);
    near("42°58.88′N 47°30.25′E", 42 + 58.88 / 60, 47 + 30.25 / 60);
    near("42 58,88 47 30,25", 42 + 58.88 / 60, 47 + 30.25 / 60);
    near("43.5N 45.2E", 43.5, 45.2);
    near("43.5S 45.2W", -43.5, -45.2);
    near("43,5 ю.ш. 45,2 з.д.", -43.5, -45.2);
  });

  it("refuses what is not one latitude and one longitude in range", () => {
    for (const text of [
      "",
      " ",
      "Махачкала",
      "43.5",
      "43.5, 45.2, 7",
      "91, 45",
      "-90.0001, 0",
      "45, 181",
      "43°60′N 45°E",
      "43°30′75″N 45°E",
      "43.5°30′N 45°E",
      "43°30.5′15″N 45°E",
      "43.5N 45.2N",
      "43.5E 45.2E",
      "-43.5N 45.2E",
      "43.5N 45.2",
      "N 43.5 45.2",
      "NaN, NaN",
      "Infinity, 45",
      "1e400, 45",
      "0x2B, 45",
      "4 3.5, 45.2.1",
      "43..5, 45",
      "1234, 45",
      "43.5, 45.2<script>alert(1)</script>",
      "43.5; DROP TABLE grid; 45.2",
      "43.5\u0000, 45.2",
      "′43 45",
      "43 ′ 45",
      `${"1".repeat(200)}, 45`,
      `43.5, ${"9".repeat(130)}`,
      "43.5, 45.2 ".repeat(20),
    ])
      expect(parseCoordinates(text), JSON.stringify(text)).toBeNull();
    for (const value of [null, undefined, 43.5, ["43.5", "45.2"], { lat: 1, lon: 2 }])
      expect(parseCoordinates(value)).toBeNull();
  });

  it("gives zero, not minus zero, and the poles and the antimeridian", () => {
    expect(parseCoordinates("-0, -0")).toEqual({ lat: 0, lon: 0 });
    near("90 N 180 W", 90, -180);
    near("-90, 180", -90, 180);
  });
});
