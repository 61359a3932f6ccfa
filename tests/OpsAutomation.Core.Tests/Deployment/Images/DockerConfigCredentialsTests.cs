using System.Text;
using OpsAutomation.Core.Deployment.Images;
using OpsAutomation.Core.Tests.TestSupport;

namespace OpsAutomation.Core.Tests.Deployment.Images;

public sealed class DockerConfigCredentialsTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    [Theory]
    [InlineData("registry.example.com:5000")]
    [InlineData("https://registry.example.com:5000")]
    [InlineData("https://registry.example.com:5000/v2/")]
    public async Task The_base64_auth_of_a_registry_is_found_under_any_form_of_its_key(string key)
    {
        var path = _folder.File("config.json", $$"""{ "auths": { "{{key}}": { "auth": "{{Base64("ops:p:a:ss")}}" } } }""");
        var credential = (await DockerConfigCredentials.LoadAsync(path, CancellationToken.None)).Find("registry.example.com:5000");
        Assert.Equal(("ops", "p:a:ss"), (credential?.UserName, credential?.Password));
    }

    [Fact]
    public async Task Docker_Hub_credentials_are_found_under_its_v1_key_by_username_and_password()
    {
        var path = _folder.File("config.json", """{ "auths": { "https://index.docker.io/v1/": { "username": "me", "password": "pw" } } }""");
        var credential = (await DockerConfigCredentials.LoadAsync(path, CancellationToken.None)).Find("docker.io");
        Assert.Equal(("me", "pw"), (credential?.UserName, credential?.Password));
    }

    [Fact]
    public async Task A_missing_file_has_no_credentials() =>
        Assert.Null((await DockerConfigCredentials.LoadAsync(Path.Combine(_folder.Path, "none.json"), CancellationToken.None)).Find("docker.io"));

    [Fact]
    public async Task A_file_that_is_not_JSON_is_named_without_its_content()
    {
        var path = _folder.File("config.json", "{ \"auths\": { \"x\": { \"auth\": \"c2VjcmV0\" \n");
        var error = await Assert.ThrowsAsync<DockerConfigException>(() => DockerConfigCredentials.LoadAsync(path, CancellationToken.None));
        Assert.Contains(path, error.Message);
        Assert.DoesNotContain("c2VjcmV0", error.Message);
    }

    [Fact]
    public void The_DOCKER_CONFIG_folder_holds_the_file() =>
        Assert.Equal(Path.Combine("/cfg", "config.json"), DockerConfigCredentials.DefaultPath(name => name == "DOCKER_CONFIG" ? "/cfg" : null));

    [Fact]
    public void A_credential_never_shows_its_password() =>
        Assert.DoesNotContain("hunter2", new RegistryCredential("ops", "hunter2", "-Credential").ToString());
}
