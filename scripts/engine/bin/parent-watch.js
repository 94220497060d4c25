// Preloaded (`node --require`) into the dynamic-provider plugin by pulumi-resource-pulumi-nodejs.
// The engine starts each plugin in a process group of its own, so a driver killed together with
// its process group (its pulumi included) leaves the plugin running, reparented, with nobody to
// talk to. When the process that started this one is gone, exit: nothing can call it any more.

const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 500).unref();
