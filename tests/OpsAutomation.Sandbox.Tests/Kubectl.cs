using System.Diagnostics;

namespace OpsAutomation.Sandbox.Tests;

/// <summary>
/// Runs the real kubectl against a sandbox's kubeconfig: the one on PATH, or the binary
/// OPS_TEST_KUBECTL names (to prove another version). Every run is bounded in time.
/// </summary>
public sealed class Kubectl(string kubeconfigPath)
{
    public static string Executable => Environment.GetEnvironmentVariable("OPS_TEST_KUBECTL") is { Length: > 0 } path ? path : "kubectl";

    public sealed record Result(int ExitCode, string Output, string Error);

    public async Task<Result> RunAsync(string? input, params string[] args)
    {
        using var process = Start(args, redirectInput: input is not null);
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await output, await error);
    }

    /// <summary>Starts kubectl and leaves it running (for -w); the caller reads and kills it.</summary>
    public Process Start(string[] args, bool redirectInput = false)
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["KUBECONFIG"] = kubeconfigPath;
        try
        {
            return Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"These tests need kubectl ('{Executable}') on PATH or named by OPS_TEST_KUBECTL: {e.Message}", e);
        }
    }
}
