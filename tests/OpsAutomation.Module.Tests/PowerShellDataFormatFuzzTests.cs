using System.Reflection;
using OpsAutomation.Core.Tests.TestSupport;

namespace OpsAutomation.Module.Tests;

/// <summary>
/// Random and adversarial psd1 catalogs and specs through the module's own psd1 reader (the one
/// Test-ServiceHealth -Path and Start-DataPipeline use): a configuration tree or a
/// ConfigurationException naming the file and line, never another exception or a stack overflow.
/// </summary>
public sealed class PowerShellDataFormatFuzzTests : IDisposable
{
    private readonly ModuleHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public void Mutated_psd1_files_read_or_fail_with_ConfigurationException()
    {
        // Loaded by the import: the reader is internal to the module, so it is reached by name.
        var module = AppDomain.CurrentDomain.GetAssemblies().Single(a => a.GetName().Name == "OpsAutomation");
        var format = Activator.CreateInstance(module.GetType("OpsAutomation.PowerShellDataFormat", throwOnError: true)!, nonPublic: true)!;
        var parse = format.GetType().GetMethod("Parse")!;
        var corpus = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "examples"), "*.psd1", SearchOption.AllDirectories).Select(File.ReadAllText).ToList();
        string[] tokens = ["@{", "}", "@(", ")", "(", ";", "=", "'", "\"", "$true", "$null", "$x", "$(1)", "1e400", "0x", "-", ",", "\n", "#", "<#", "#>", "`", "[int]", "Get-Date"];

        new Fuzz(corpus, tokens, [("@{a=", "}"), ("@(", ")"), ("(", ")")]).Run(300, input =>
        {
            try
            {
                parse.Invoke(format, [input, "fuzz.psd1"]);
            }
            catch (TargetInvocationException ex) when (ex.InnerException?.GetType().Name is "ConfigurationException")
            {
                // The typed, located error is one of the two outcomes the property allows.
            }
        });
    }
}
