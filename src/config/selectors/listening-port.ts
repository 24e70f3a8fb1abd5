// `listening_port`: holds a listening TCP socket or a bound UDP socket on one of these ports.
import { z } from "zod";
import { defineSelector, list } from "./spec.js";

/** Inclusive; a single port is { from: p, to: p }. */
export interface PortRange {
  from: number;
  to: number;
}

const PORTS_EXPECTED = "a port (9091), a range ('9000-9100') or a list of them";
export const PORT_RANGE_PATTERN = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/;
const portNumber = z
  .number()
  .int({ error: `not a whole number; expected ${PORTS_EXPECTED}` })
  .min(1, { error: `not a port; expected ${PORTS_EXPECTED}` })
  .max(65535, { error: `not a port; expected ${PORTS_EXPECTED}` });
const portRange = z.string().refine(
  (text) => {
    const m = PORT_RANGE_PATTERN.exec(text);
    return m !== null && Number(m[1]) >= 1 && Number(m[2]) <= 65535 && Number(m[1]) <= Number(m[2]);
  },
  { error: `invalid port range; expected ${PORTS_EXPECTED}, low-high with 1 ≤ low ≤ high ≤ 65535` },
);
const portSpec = z.union([portNumber, portRange], {
  error: `wrong type; expected ${PORTS_EXPECTED}`,
});
const ports = z.union([portSpec, z.array(portSpec).min(1)], {
  error: `wrong type; expected ${PORTS_EXPECTED}`,
});

export const listeningPort = defineSelector({
  key: "listening_port",
  field: "listeningPort",
  schema: ports
    .optional()
    .describe(
      "Holds a listening TCP socket (or a bound UDP socket) on this port, range ('9000-9100') or list of them.",
    ),
  normalise: (raw: number | string | (number | string)[]) => list(raw).map(toRange),
  // A port says where a process listens, not which program it is.
  says: "where",
  saysInstead: "a port says where a process listens",
});

function toRange(spec: number | string): PortRange {
  if (typeof spec === "number") return { from: spec, to: spec };
  const m = PORT_RANGE_PATTERN.exec(spec);
  if (!m) throw new Error(`unreachable: schema accepted port range ${spec}`);
  return { from: Number(m[1]), to: Number(m[2]) };
}
