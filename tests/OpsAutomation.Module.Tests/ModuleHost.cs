using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace OpsAutomation.Module.Tests;

/// <summary>A runspace with the built module imported and a state directory of its own.</summary>
public sealed class ModuleHost : IDisposable
{
    private readonly Runspace _runspace;

    public ModuleHost()
    {
        var modulePath = Environment.GetEnvironmentVariable("OPS_TEST_MODULE_PATH");
        Assert.False(string.IsNullOrEmpty(modulePath), "OPS_TEST_MODULE_PATH is not set: run these tests through ./build.ps1 Test, which builds the module first.");
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(modulePath!);
        _runspace = RunspaceFactory.CreateRunspace(state);
        _runspace.Open();
        StatePath = Path.Combine(Path.GetTempPath(), "ops-module-tests-" + Guid.NewGuid().ToString("N"));
    }

    public string StatePath { get; }

    public PowerShell Create()
    {
        var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        return ps;
    }

    public void Dispose()
    {
        _runspace.Dispose();
        try { Directory.Delete(StatePath, recursive: true); } catch (DirectoryNotFoundException) { } catch (IOException) { }
    }
}
