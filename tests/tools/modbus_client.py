#!/usr/bin/python3
"""A Modbus TCP client for borne's integration tests: an energy manager as a
third party would write it, with Debian's python3-pymodbus (3.0.x API),
independent of borne's C code.

Control: one JSON object per line on stdin, one answer per line on stdout:
  {"cmd": "read", "addr": 200, "count": 50}
      -> {"regs": [...]} or {"exception": 2}
  {"cmd": "write", "addr": 240, "value": 100}
      -> {"ok": true} or {"exception": 1}
  {"cmd": "raw", "hex": "0001000000060103..."}  bytes sent as they are on a
      fresh connection; -> {"reply": "hex"} (what came back within 1 s) or
      {"closed": true}
  {"cmd": "quit"}
Arguments: --host, --port, --unit, --source (the local address to connect
from, e.g. 127.0.0.2, to be a client borne does not allow to write); or
--rtu DEVICE [--baud 9600 --parity E]: an RTU master on a serial line (then
"raw" writes the bytes on the line and answers what came back within 0.5 s).
"""
import argparse
import json
import socket
import sys

from pymodbus.client import ModbusSerialClient, ModbusTcpClient
from pymodbus.framer.rtu_framer import ModbusRtuFramer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=502)
    ap.add_argument("--rtu", default=None)
    ap.add_argument("--baud", type=int, default=9600)
    ap.add_argument("--parity", default="E")
    ap.add_argument("--unit", type=int, default=1)
    ap.add_argument("--source", default=None)
    a = ap.parse_args()
    src = (a.source, 0) if a.source else None
    if a.rtu:
        client = ModbusSerialClient(a.rtu, framer=ModbusRtuFramer, baudrate=a.baud,
                                    parity=a.parity, bytesize=8, stopbits=1, timeout=2,
                                    retries=0)
    else:
        client = ModbusTcpClient(a.host, port=a.port, source_address=src, timeout=3,
                                 retries=0)
    if not client.connect():
        print(json.dumps({"error": "cannot connect"}), flush=True)
        return 1
    print(json.dumps({"event": "ready"}), flush=True)
    for line in sys.stdin:
        try:
            cmd = json.loads(line)
        except ValueError:
            continue
        c = cmd.get("cmd")
        out = {}
        try:
            if c == "quit":
                break
            if c == "read":
                r = client.read_holding_registers(cmd["addr"], cmd.get("count", 1), slave=a.unit)
                out = {"exception": r.exception_code} if r.isError() else {"regs": r.registers}
            elif c == "write":
                r = client.write_register(cmd["addr"], cmd["value"], slave=a.unit)
                out = {"exception": r.exception_code} if r.isError() else {"ok": True}
            elif c == "raw" and a.rtu:
                line = client.socket
                line.reset_input_buffer()
                line.write(bytes.fromhex(cmd["hex"]))
                line.timeout = 0.5
                out = {"reply": line.read(300).hex()}
                line.timeout = client.params.timeout
            elif c == "raw":
                s = socket.create_connection((a.host, a.port), timeout=1,
                                             source_address=src)
                s.sendall(bytes.fromhex(cmd["hex"]))
                try:
                    data = s.recv(300)
                    out = {"reply": data.hex()} if data else {"closed": True}
                except socket.timeout:
                    out = {"reply": ""}
                except ConnectionResetError:  # closed with our bytes unread: RST
                    out = {"closed": True}
                s.close()
            else:
                out = {"error": f"unknown command {c}"}
        except Exception as e:  # an answer the test can show
            out = {"error": repr(e)}
        print(json.dumps(out), flush=True)
    client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
