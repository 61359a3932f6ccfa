using System.Diagnostics;

namespace OpsAutomation.Core.Tests.TestSupport;

/// <summary>Runs the real promtool (Debian's prometheus package, which ./build.ps1 Test installs), the oracle of the rule tests.</summary>
internal static class Promtool
{
    /// <returns>Its exit code, and its standard output followed by its standard error.</returns>
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("promtool") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("promtool is not on PATH: it comes with Debian's prometheus package, which ./build.ps1 Test installs.", ex);
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await output + await error);
        }
    }
}
