using OpsAutomation.Sandbox.Hosting;

// The Kubernetes sandbox in the foreground: the first line names the kubeconfig, the next the URLs;
// SIGTERM or Ctrl+C stops it and removes the kubeconfig folder it made.
SandboxServer started;
try
{
    started = await SandboxServer.StartAsync(SandboxOptions.Parse(args)).ConfigureAwait(false);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
    return 2;
}
await using var sandbox = started;
foreach (var line in sandbox.Banner())
{
    Console.WriteLine(line);
}
await sandbox.WaitForShutdownAsync().ConfigureAwait(false);
Console.WriteLine("sandbox stopped");
return 0;
