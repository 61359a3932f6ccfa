using System.Diagnostics;
using System.Management.Automation;

namespace OpsAutomation.Module.Tests;

/// <summary>A state store locked by another process after it opened: the health cmdlets report it and go on.</summary>
public sealed class StateStoreFailureTests : IDisposable
{
    private readonly ModuleHost _host = new();
    private readonly string _catalog;

    public StateStoreFailureTests()
    {
        Directory.CreateDirectory(_host.StatePath);
        _catalog = Path.Combine(_host.StatePath, "services.psd1");
        File.WriteAllText(_catalog, """
            @{
                Settings = @{ StateBusyTimeoutSec = 1 }
                Services = @( @{ Name = 'locked'; Uri = 'dns://localhost'; CircuitBreakerThreshold = 1 } )
            }
            """);
    }

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Watch_ServiceHealth_reports_each_rounds_store_failure_and_runs_every_round()
    {
        using var locker = await LockStoreAsync();
        using var ps = _host.Create();
        ps.AddCommand("Watch-ServiceHealth").AddParameter("Path", _catalog).AddParameter("StatePath", _host.StatePath)
            .AddParameter("Count", 2).AddParameter("IntervalSec", 1);

        var results = ps.Invoke();

        Assert.Equal(2, results.Count);
        var errors = ps.Streams.Error.ToList();
        Assert.Equal(4, errors.Count);
        Assert.All(errors, e => Assert.Equal("StateStoreBusy,OpsAutomation.Commands.WatchServiceHealthCommand", e.FullyQualifiedErrorId));
        Assert.All(errors, e => Assert.Equal(ErrorCategory.ResourceBusy, e.CategoryInfo.Category));
        Assert.Contains(errors, e => e.Exception.Message.Contains("could not save the circuit state", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Exception.Message.Contains("could not save health history", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Test_ServiceHealth_emits_its_results_when_the_circuit_state_cannot_be_saved()
    {
        using var locker = await LockStoreAsync();
        using var ps = _host.Create();
        ps.AddCommand("Test-ServiceHealth").AddParameter("Path", _catalog).AddParameter("StatePath", _host.StatePath);

        var result = Assert.Single(ps.Invoke());

        Assert.Equal("locked", result.Properties["Name"].Value);
        Assert.Contains(ps.Streams.Error, e => e.FullyQualifiedErrorId == "StateStoreBusy,OpsAutomation.Commands.TestServiceHealthCommand"
            && e.Exception.Message.Contains("could not save the circuit state", StringComparison.Ordinal));
    }

    /// <summary>
    /// Opens (creates) the store through the module, then takes its write lock from another
    /// process (sqlite3): POSIX locks of one process never block each other, and the module's
    /// SQLite is a library of its own in its load context.
    /// </summary>
    private async Task<StoreLock> LockStoreAsync()
    {
        using (var open = _host.Create())
        {
            open.AddCommand("Get-ServiceHealthHistory").AddParameter("StatePath", _host.StatePath).Invoke();
            Assert.False(open.HadErrors);
        }
        var sqlite = new ProcessStartInfo("sqlite3", Path.Combine(_host.StatePath, "opsautomation.db"))
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        var process = Process.Start(sqlite) ?? throw new InvalidOperationException("sqlite3 (Debian package sqlite3) is needed to lock the store from another process.");
        await process.StandardInput.WriteLineAsync("BEGIN IMMEDIATE;\n.print locked");
        await process.StandardInput.FlushAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Assert.Equal("locked", await process.StandardOutput.ReadLineAsync(timeout.Token));
        return new StoreLock(process);
    }

    /// <summary>The sqlite3 process holding the lock; disposing ends it (closing its input ends the shell, which rolls back).</summary>
    private sealed class StoreLock(Process process) : IDisposable
    {
        public void Dispose()
        {
            process.StandardInput.Close();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10))) process.Kill();
            process.Dispose();
        }
    }
}
