using System.Management.Automation;
using System.Text.Json.Nodes;

namespace OpsAutomation.Module.Tests;

/// <summary>Objects piped into Start-DataPipeline are read on the pipeline thread, where their script properties work.</summary>
public sealed class StartDataPipelineCommandTests : IDisposable
{
    private readonly ModuleHost _host = new();
    private readonly string _folder;

    public StartDataPipelineCommandTests()
    {
        _folder = Path.Combine(_host.StatePath, "data");
        Directory.CreateDirectory(_folder);
    }

    public void Dispose() => _host.Dispose();

    [Fact]
    public void Get_ChildItem_piped_in_loads_the_script_properties_of_each_file()
    {
        File.WriteAllText(Path.Combine(_folder, "alpha.log"), "a");
        File.WriteAllText(Path.Combine(_folder, "beta.log"), "bb");
        var sink = Path.Combine(_host.StatePath, "files.jsonl");

        var run = Run($"Get-ChildItem -LiteralPath '{_folder}' -File | Start-DataPipeline -Name files -Source @{{ Type = 'Pipeline' }} " +
            $"-Sink @{{ Type = 'JsonLines'; Path = '{sink}' }} -StatePath '{_host.StatePath}'");

        Assert.Equal(2L, run.Properties["Loaded"].Value);
        var text = File.ReadAllText(sink);
        Assert.DoesNotContain("Runspace", text, StringComparison.Ordinal);
        var records = File.ReadAllLines(sink).Select(l => JsonNode.Parse(l)!).ToList();
        // BaseName is a ScriptProperty of FileInfo, Mode a CodeProperty: both need the pipeline thread.
        Assert.Equal(["alpha", "beta"], records.Select(r => (string?)r["BaseName"]).Order());
        using var mode = _host.Create();
        var expectedMode = (string)mode.AddScript($"(Get-Item -LiteralPath '{Path.Combine(_folder, "alpha.log")}').Mode").Invoke()[0].BaseObject;
        Assert.All(records, r => Assert.Equal(expectedMode, (string?)r["Mode"]));
    }

    [Fact]
    public void A_script_property_that_throws_dead_letters_its_object_with_the_property_named()
    {
        var sink = Path.Combine(_host.StatePath, "objects.jsonl");
        var run = Run($$"""
            $good = [pscustomobject]@{ id = 1 } | Add-Member -MemberType ScriptProperty -Name double -Value { $this.id * 2 } -PassThru
            $bad = [pscustomobject]@{ id = 2 } | Add-Member -MemberType ScriptProperty -Name double -Value { throw 'the disk is gone' } -PassThru
            $good, $bad | Start-DataPipeline -Name objects -Source @{ Type = 'Pipeline' } -Sink @{ Type = 'JsonLines'; Path = '{{sink}}' } -StatePath '{{_host.StatePath}}'
            """);

        Assert.Equal(1L, run.Properties["Loaded"].Value);
        Assert.Equal(1L, run.Properties["Rejected"].Value);
        var loaded = JsonNode.Parse(Assert.Single(File.ReadAllLines(sink)))!;
        Assert.Equal(2, (int?)loaded["double"]);

        using var letters = _host.Create();
        letters.AddCommand("Get-DataPipelineDeadLetter").AddParameter("Pipeline", "objects").AddParameter("StatePath", _host.StatePath);
        var letter = Assert.Single(letters.Invoke());
        Assert.Equal("pipeline object 2, property 'double'", letter.Properties["Location"].Value);
        Assert.Contains("the disk is gone", (string)letter.Properties["Error"].Value, StringComparison.Ordinal);
    }

    private PSObject Run(string script)
    {
        using var ps = _host.Create();
        ps.AddScript(script);
        var run = Assert.Single(ps.Invoke());
        Assert.False(ps.HadErrors, string.Join("; ", ps.Streams.Error.Select(e => e.ToString())));
        return run;
    }
}
