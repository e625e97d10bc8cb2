// scan.js - drive the npm clamscan module against a clamd-compatible daemon.
// usage: node scan.js SOCKET CLEAN_FILE EICAR_FILE DIRECTORY
// Prints one JSON object with what the module reported for each scenario.
'use strict';
const NodeClam = require('clamscan');
const fs = require('fs');
const { Readable } = require('stream');

(async () => {
    const [sock, clean, eicar, dir] = process.argv.slice(2);
    const clam = await new NodeClam().init({
        clamscan: { active: false },
        clamdscan: { socket: sock, localFallback: false, active: true, multiscan: false, timeout: 30000 },
        preference: 'clamdscan',
    });
    const out = {};
    out.version = await clam.getVersion();
    out.clean = await clam.isInfected(clean);
    out.eicar = await clam.isInfected(eicar);
    out.dir = await clam.scanDir(dir);
    out.streamEicar = await clam.scanStream(Readable.from([fs.readFileSync(eicar)]));
    out.streamClean = await clam.scanStream(Readable.from([fs.readFileSync(clean)]));
    console.log(JSON.stringify(out));
})().catch((e) => {
    console.error('node clamscan failed:', e && e.message ? e.message : e);
    process.exit(1);
});
