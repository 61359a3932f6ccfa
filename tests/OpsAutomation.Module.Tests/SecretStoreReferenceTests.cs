using System.Management.Automation;

namespace OpsAutomation.Module.Tests;

/// <summary>secret: references in pipeline specs and Invoke-PrometheusRule go through Get-Secret, as in health catalogs.</summary>
public sealed class SecretStoreReferenceTests : IDisposable
{
    private readonly ModuleHost _host = new();

    public SecretStoreReferenceTests() => Directory.CreateDirectory(_host.StatePath);

    public void Dispose() => _host.Dispose();

    [Theory]
    [InlineData("Test-DataRecord")]
    [InlineData("Invoke-DataPipelineReplay -WhatIf")]
    public void A_pipeline_spec_resolves_secret_references_through_Get_Secret(string command)
    {
        File.WriteAllText(Path.Combine(_host.StatePath, "orders.csv"), "id\n1\n");
        var spec = Path.Combine(_host.StatePath, "orders.yaml");
        File.WriteAllText(spec, """
            Name: orders
            Source: { Type: Csv, Path: orders.csv }
            Sink: { Type: JsonLines, Path: out.jsonl }
            Alerting:
              Channels:
                - { Type: Webhook, Uri: secret:ops/hook }
            """);

        Assert.Empty(Errors($"Set-TestSecret -Name hook -Vault ops -Secret 'http://127.0.0.1:9/hook'; {command} -Path '{spec}' -StatePath '{_host.StatePath}'"));

        File.WriteAllText(spec, File.ReadAllText(spec).Replace("secret:ops/hook", "secret:ops/not-there", StringComparison.Ordinal));
        var error = Assert.Single(Errors($"{command} -Path '{spec}' -StatePath '{_host.StatePath}'"));
        Assert.Contains("'secret:ops/not-there'", error, StringComparison.Ordinal);
        Assert.Contains("not-there was not found", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_DataPipeline_resolves_secret_references_through_Get_Secret()
    {
        File.WriteAllText(Path.Combine(_host.StatePath, "orders.csv"), "id\n1\n");
        Assert.Empty(Errors($$"""
            Set-TestSecret -Name hook -Secret (ConvertTo-SecureString 'http://127.0.0.1:9/hook' -AsPlainText -Force)
            Set-Location '{{_host.StatePath}}'
            $null = Start-DataPipeline -Name orders -Source @{ Type = 'Csv'; Path = 'orders.csv' } -Sink @{ Type = 'JsonLines'; Path = 'out.jsonl' } `
                -Option @{ Alerting = @{ Channels = @(@{ Type = 'Webhook'; Uri = 'secret:hook' }) } } -StatePath '{{_host.StatePath}}'
            """));
        Assert.True(File.Exists(Path.Combine(_host.StatePath, "out.jsonl")));
    }

    [Fact]
    public void Invoke_PrometheusRule_resolves_an_AlertmanagerUri_reference_through_Get_Secret()
    {
        var rules = Path.Combine(_host.StatePath, "rules.yaml");
        File.WriteAllText(rules, """
            groups:
              - name: none
                rules:
                  - alert: Never
                    expr: vector(1) == 0
            """);

        Assert.Empty(Errors($"Set-TestSecret -Name am -Secret 'http://127.0.0.1:9/'; $null = Invoke-PrometheusRule -Path '{rules}' -InProcess -AlertmanagerUri 'secret:am' -StatePath '{_host.StatePath}'"));

        var error = Assert.Single(Errors($"Invoke-PrometheusRule -Path '{rules}' -InProcess -AlertmanagerUri 'secret:am-gone' -StatePath '{_host.StatePath}'"));
        Assert.Contains("am-gone was not found", error, StringComparison.Ordinal);
    }

    /// <summary>Runs <paramref name="script"/> with the stand-in SecretManagement module loaded; the errors it wrote or threw.</summary>
    private List<string> Errors(string script)
    {
        using var ps = _host.Create();
        ps.AddScript($"Import-Module '{Path.Combine(AppContext.BaseDirectory, "TestSecretStore", "TestSecretStore.psm1")}'; {script}");
        try
        {
            ps.Invoke();
        }
        catch (RuntimeException ex)
        {
            return [ex.Message];
        }
        return [.. ps.Streams.Error.Select(e => e.ToString())];
    }
}
