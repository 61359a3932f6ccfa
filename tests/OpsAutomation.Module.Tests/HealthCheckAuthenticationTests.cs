using System.Management.Automation;
using OpsAutomation.TestServers;

namespace OpsAutomation.Module.Tests;

/// <summary>Credentials at the prompt and secret: references, sent to the Elasticsearch stand-in that demands them.</summary>
public sealed class HealthCheckAuthenticationTests : IAsyncLifetime, IDisposable
{
    private const string Password = "prompt-pa55word-31";
    private const string ApiKey = "ZWxhc3RpYzprZXktOTk=";
    private readonly ModuleHost _host = new();
    private readonly string _keyVariable = "OPS_MODULE_TEST_KEY_" + Guid.NewGuid().ToString("N")[..8];
    private ElasticsearchStandIn _es = null!;

    public async Task InitializeAsync()
    {
        _es = await ElasticsearchStandIn.StartAsync();
        _es.BasicAuth = ("elastic", Password);
        _es.ApiKey = ApiKey;
        Environment.SetEnvironmentVariable(_keyVariable, ApiKey);
    }

    public async Task DisposeAsync() => await _es.DisposeAsync();

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(_keyVariable, null);
        _host.Dispose();
    }

    [Fact]
    public void The_readme_example_sends_the_api_key_it_names()
    {
        Assert.Equal(("Unhealthy", "Authentication"), Check(""));
        Assert.Equal(("Healthy", "None"), Check($"-ApiKey env:{_keyVariable}"));
    }

    [Fact]
    public void Watch_ServiceHealth_takes_the_same_authorization()
    {
        using var ps = _host.Create();
        ps.AddCommand("Watch-ServiceHealth").AddParameter("Uri", _es.BaseUri.AbsoluteUri).AddParameter("Kind", "Elasticsearch")
            .AddParameter("ApiKey", $"env:{_keyVariable}").AddParameter("Count", 1).AddParameter("StatePath", _host.StatePath);
        Assert.Equal("Healthy", Assert.Single(ps.Invoke()).Properties["Status"].Value.ToString());
    }

    [Fact]
    public void A_credential_and_an_authorization_header_typed_at_the_prompt_are_sent_and_never_written()
    {
        Assert.Equal(("Healthy", "None"), Check("-Credential ([pscredential]::new('elastic', (ConvertTo-SecureString $secret -AsPlainText -Force)))", Password));
        Assert.Equal(("Healthy", "None"), Check("-Header @{ Authorization = \"ApiKey $secret\" } -Verbose", ApiKey));

        var logs = string.Concat(Directory.GetFiles(Path.Combine(_host.StatePath, "logs")).Select(File.ReadAllText));
        Assert.DoesNotContain(ApiKey, logs);
        Assert.DoesNotContain(Password, logs);
    }

    [Fact]
    public void Two_kinds_of_authorization_at_once_are_refused()
    {
        using var ps = _host.Create();
        ps.AddCommand("Test-ServiceHealth").AddParameter("Uri", _es.BaseUri.AbsoluteUri).AddParameter("Kind", "Elasticsearch")
            .AddParameter("ApiKey", $"env:{_keyVariable}").AddParameter("BearerToken", $"env:{_keyVariable}").AddParameter("StatePath", _host.StatePath);
        var error = Assert.ThrowsAny<RuntimeException>(() => ps.Invoke());
        Assert.Equal("AuthorizationAmbiguous,OpsAutomation.Commands.TestServiceHealthCommand", error.ErrorRecord.FullyQualifiedErrorId);
    }

    [Fact]
    public void Secret_references_resolve_through_Get_Secret_when_SecretManagement_is_loaded()
    {
        using var ps = _host.Create();
        ps.AddScript("""
            param($stub, $uri, $state, $password, $key)
            Import-Module $stub
            Set-TestSecret -Name es-key -Secret (ConvertTo-SecureString $key -AsPlainText -Force)
            Set-TestSecret -Name es-password -Secret $password -Vault ops
            $catalog = Join-Path $state 'catalog.yaml'
            New-Item -ItemType Directory $state -Force | Out-Null
            Set-Content $catalog @"
            Services:
              - Name: by-key
                Kind: Elasticsearch
                Uri: $uri
                ApiKey: secret:es-key
              - Name: by-password
                Kind: Elasticsearch
                Uri: $uri
                Credential: { UserName: elastic, Password: secret:ops/es-password }
              - Name: missing
                Kind: Elasticsearch
                Uri: $uri
                ApiKey: secret:ops/not-there
            "@
            Test-ServiceHealth -Path $catalog -StatePath $state
            """).AddArgument(StubModule).AddArgument(_es.BaseUri.AbsoluteUri).AddArgument(_host.StatePath).AddArgument(Password).AddArgument(ApiKey);
        var results = ps.Invoke().ToDictionary(r => (string)r.Properties["Name"].Value, r => r);
        Assert.False(ps.HadErrors, string.Join("; ", ps.Streams.Error));
        Assert.Equal("Healthy", results["by-key"].Properties["Status"].Value.ToString());
        Assert.Equal("Healthy", results["by-password"].Properties["Status"].Value.ToString());
        Assert.Equal("Configuration", results["missing"].Properties["ErrorKind"].Value.ToString());
        Assert.Contains("'secret:ops/not-there'", (string)results["missing"].Properties["Error"].Value);
        Assert.Contains("not-there was not found", (string)results["missing"].Properties["Error"].Value);
    }

    [Fact]
    public void Without_SecretManagement_a_secret_reference_fails_its_service_and_says_what_to_install()
    {
        using var ps = _host.Create();
        ps.AddScript("""
            param($uri, $state)
            Test-ServiceHealth -Uri $uri -Kind Elasticsearch -Header @{ Authorization = 'secret:es-key' } -StatePath $state
            """).AddArgument(_es.BaseUri.AbsoluteUri).AddArgument(_host.StatePath);
        var result = Assert.Single(ps.Invoke());
        Assert.False(ps.HadErrors, string.Join("; ", ps.Streams.Error));
        Assert.Equal("Unhealthy", result.Properties["Status"].Value.ToString());
        Assert.Equal("Configuration", result.Properties["ErrorKind"].Value.ToString());
        var error = (string)result.Properties["Error"].Value;
        Assert.Contains("'secret:es-key'", error);
        Assert.Contains("install and import the Microsoft.PowerShell.SecretManagement module", error);
    }

    private static string StubModule => Path.Combine(AppContext.BaseDirectory, "TestSecretStore", "TestSecretStore.psm1");

    private (string Status, string ErrorKind) Check(string parameters, string secret = "")
    {
        using var ps = _host.Create();
        ps.AddScript($"param($secret) Test-ServiceHealth -Uri '{_es.BaseUri}' -Kind Elasticsearch {parameters} -StatePath '{_host.StatePath}'").AddArgument(secret);
        var result = Assert.Single(ps.Invoke());
        Assert.False(ps.HadErrors, string.Join("; ", ps.Streams.Error));
        Assert.DoesNotContain(ps.Streams.Verbose, v => secret.Length > 0 && v.Message.Contains(secret, StringComparison.Ordinal));
        return (result.Properties["Status"].Value.ToString()!, result.Properties["ErrorKind"].Value.ToString()!);
    }
}
