#!/usr/bin/python3
"""A Modbus meter simulator for borne's integration tests and benchmark.

Serves one or more meters (unit id + a map of meters/) over Modbus TCP or
RTU (a serial device, e.g. one end of a socat pty pair) with Debian's
python3-pymodbus (3.0.x API). The values are encoded from the map files by
this script, independently of borne's C decoder. A SunSpec map (`sunspec =`,
`sf:ADDRESS` scales) gets its model header and fixed scale factors
(SF_EXPONENT) at start.

Control: one JSON object per line on stdin:
  {"cmd": "set", "unit": 1, "values": {"voltage_l1": 230.1, "energy_import": 1.2e6}}
      values in base units: V, A, W, Wh, Hz
  {"cmd": "mode", "unit": 1, "mode": "ok" | "exception" | "silent" | "garbage" | "crc"}
  {"cmd": "quit"}
Reports: one JSON object per line on stdout:
  {"event": "ready", "port": 1502}           (TCP: the port bound; RTU: 0)
  {"event": "done", "cmd": "set"}            after each command was applied
  {"event": "served", "unit": 1, "mode": "ok", "n": 7}   after each answer (or
      non-answer) to a read; n counts the requests of that unit
"""
import argparse
import asyncio
import json
import os
import socket
import struct
import sys
import threading

from pymodbus.datastore import (
    ModbusSequentialDataBlock,
    ModbusServerContext,
    ModbusSlaveContext,
)
from pymodbus.framer.rtu_framer import ModbusRtuFramer
from pymodbus.pdu import ExceptionResponse
from pymodbus.server import StartAsyncSerialServer, StartAsyncTcpServer
from pymodbus.utilities import computeCRC

BASE = {"V": 1, "kV": 1000, "A": 1, "mA": 0.001, "W": 1, "kW": 1000,
        "Wh": 1, "kWh": 1000, "MWh": 1e6, "Hz": 1}
FMT = {"int16": ">h", "uint16": ">H", "int32": ">i", "uint32": ">I",
       "int64": ">q", "uint64": ">Q", "float32": ">f", "float64": ">d"}


# A SunSpec map's scale-factor registers (sf:ADDRESS) hold these powers of
# ten, by the unit of the values that use them (as an inverter fixes them).
SF_EXPONENT = {"A": -2, "mA": 0, "V": -1, "kV": 0, "W": 0, "kW": 0,
               "Wh": 0, "kWh": 0, "MWh": 0, "Hz": -2}


def load_map(path):
    """fields {quantity: (addr, fc, type, words, bytes, scale, unit)} and
    the SunSpec header (address, first id, length) or None. A scale of
    sf:ADDRESS becomes ("sf", address, exponent)."""
    fields = {}
    sunspec = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#")[0].strip()
            if not line:
                continue
            if "=" in line:
                key, value = (x.strip() for x in line.split("=", 1))
                if key == "sunspec":
                    addr, ids, length = value.split()
                    sunspec = (int(addr, 0), int(ids.split(",")[0]), int(length))
                continue
            q, addr, fc, typ, words, byteorder, scale, unit = line.split()
            if scale.startswith("sf:"):
                scale = ("sf", int(scale[3:], 0), SF_EXPONENT[unit])
            else:
                scale = float(scale)
            fields[q] = (int(addr, 0), int(fc), typ, words, byteorder, scale, unit)
    return fields, sunspec


def encode(field, value):
    addr, fc, typ, words, byteorder, scale, unit = field
    if isinstance(scale, tuple):
        scale = 10.0 ** scale[2]
    raw = value / BASE[unit] / scale
    data = struct.pack(FMT[typ], raw if typ.startswith("float") else int(round(raw)))
    regs = [data[i] << 8 | data[i + 1] for i in range(0, len(data), 2)]
    if byteorder == "le":
        regs = [((r >> 8) | (r << 8)) & 0xFFFF for r in regs]
    if words == "lsw":
        regs.reverse()
    return fc, addr, regs


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class Meters:
    def __init__(self, specs, maps_dir):
        self.maps = {}
        self.modes = {}
        self.served = {}
        slaves = {}
        for spec in specs:
            unit, model = spec.split(":")
            unit = int(unit)
            fields, sunspec = load_map(os.path.join(maps_dir, model + ".map"))
            self.maps[unit] = fields
            self.modes[unit] = "ok"
            self.served[unit] = 0
            slaves[unit] = ModbusSlaveContext(
                ir=ModbusSequentialDataBlock(0, [0] * 65536),
                hr=ModbusSequentialDataBlock(0, [0] * 65536),
                zero_mode=True)
            if sunspec:  # "SunS", the common model's header, the model's ID and L
                addr, model_id, length = sunspec
                hr = slaves[unit]
                hr.setValues(3, 40000, [0x5375, 0x6E53, 1, 65])
                hr.setValues(3, addr, [model_id, length])
            for f in fields.values():
                if isinstance(f[5], tuple):
                    slaves[unit].setValues(f[1], f[5][1], [f[5][2] & 0xFFFF])
        self.context = ModbusServerContext(slaves=slaves, single=False)
        self.rtu = False

    def set(self, unit, values):
        slave = self.context[unit]
        for q, v in values.items():
            fc, addr, regs = encode(self.maps[unit][q], float(v))
            slave.setValues(fc, addr, regs)

    def manipulate(self, response):
        """pymodbus response_manipulator: returns (response, skip_encoding)."""
        unit = response.unit_id
        mode = self.modes.get(unit, "ok")
        self.served[unit] = self.served.get(unit, 0) + 1
        emit({"event": "served", "unit": unit, "mode": mode, "n": self.served[unit]})
        if mode == "exception":  # 02 ILLEGAL DATA ADDRESS
            e = ExceptionResponse(response.function_code, 2)
            e.unit_id = unit
            e.transaction_id = response.transaction_id
            return e, False
        if mode == "silent":
            response.should_respond = False
            return response, False
        if mode in ("garbage", "crc"):
            pdu = struct.pack(">BB", unit, response.function_code) + response.encode()
            if self.rtu:
                crc = computeCRC(pdu) ^ (0x5555 if mode == "crc" else 0)
                if mode == "garbage":
                    pdu = bytes([unit, response.function_code, 0x07]) + b"\xa5" * 7
                    crc = computeCRC(pdu)  # a sound frame that does not fit the request
                return pdu + struct.pack(">H", crc), True
            # TCP: an MBAP header with a wrong protocol id (Modbus/TCP: always 0)
            return struct.pack(">HHH", response.transaction_id, 0x1234, len(pdu)) + pdu, True
        return response, False


def control(meters, loop, stop):
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            msg = json.loads(line)
        except ValueError:
            emit({"event": "error", "error": "not JSON: " + line[:80]})
            continue
        cmd = msg.get("cmd")
        if cmd == "quit":
            break

        def apply(m=msg, c=cmd):
            try:
                if c == "set":
                    meters.set(int(m["unit"]), m["values"])
                elif c == "mode":
                    meters.modes[int(m["unit"])] = m["mode"]
                else:
                    raise ValueError("unknown cmd")
                emit({"event": "done", "cmd": c})
            except (KeyError, ValueError) as exc:
                emit({"event": "error", "error": str(exc)})

        loop.call_soon_threadsafe(apply)
    loop.call_soon_threadsafe(stop.set)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tcp", type=int, help="TCP port (0: any free one)")
    ap.add_argument("--rtu", help="serial device (RTU)")
    ap.add_argument("--baud", type=int, default=9600)
    ap.add_argument("--maps", default=os.path.join(os.path.dirname(__file__), "..", "..", "meters"))
    ap.add_argument("--meter", action="append", required=True, help="UNIT:MODEL, e.g. 1:sdm630")
    args = ap.parse_args()
    meters = Meters(args.meter, args.maps)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    if args.rtu:
        meters.rtu = True
        server = await StartAsyncSerialServer(
            context=meters.context, framer=ModbusRtuFramer, port=args.rtu,
            baudrate=args.baud, bytesize=8, parity="N", stopbits=1, timeout=0.005,
            defer_start=True, response_manipulator=meters.manipulate,
            ignore_missing_slaves=True)
        await server.start()
        port = 0
    else:
        port = args.tcp or 0
        if port == 0:
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            s.close()
        server = await StartAsyncTcpServer(
            context=meters.context, address=("127.0.0.1", port), defer_start=True,
            allow_reuse_address=True, response_manipulator=meters.manipulate,
            ignore_missing_slaves=True)
        asyncio.create_task(server.serve_forever())
        await server.serving
    emit({"event": "ready", "port": port})
    threading.Thread(target=control, args=(meters, loop, stop), daemon=True).start()
    await stop.wait()
    await server.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
