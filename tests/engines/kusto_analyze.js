#!/usr/bin/env node
// Runs Microsoft's Kusto.Language analyzer (@kusto/language-service-next) over KQL queries.
//
// stdin:  {"tables": {"DeviceNetworkEvents": {"RemotePort": "int", ...}, ...},
//          "queries": ["DeviceNetworkEvents | where ...", ...]}
// stdout: [[{"code": "KS107", "severity": "Error", "message": "...", "start": 0, "length": 3},
//           ...], ...]   (one list of diagnostics per query, in order)
'use strict';

require('@kusto/language-service-next/bridge.min.js');
require('@kusto/language-service-next/Kusto.Language.Bridge.min.js');

/* global Kusto */
const S = Kusto.Language.Symbols;

function globalsFor(tables) {
  const symbols = Object.entries(tables).map(([name, columns]) => {
    const schema = '(' + Object.entries(columns)
      .map(([column, type]) => `['${column}']:${type}`)
      .join(', ') + ')';
    return new S.TableSymbol.$ctor7(name, schema, null);
  });
  const database = new S.DatabaseSymbol.ctor('db', symbols);
  return Kusto.Language.GlobalState.Default.WithDatabase(database);
}

function diagnostics(query, globals) {
  const code = Kusto.Language.KustoCode.ParseAndAnalyze(query, globals);
  const result = [];
  const it = code.GetDiagnostics().GetEnumerator();
  while (it.moveNext()) {
    const d = it.Current;
    result.push({
      code: String(d.Code),
      severity: String(d.Severity),
      message: String(d.Message),
      start: Number(d.Start),
      length: Number(d.Length),
    });
  }
  return result;
}

function main() {
  const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
  const globals = globalsFor(input.tables || {});
  const output = (input.queries || []).map((query) => diagnostics(query, globals));
  process.stdout.write(JSON.stringify(output) + '\n');
}

main();
