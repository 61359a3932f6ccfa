using OpsAutomation.Core.Deployment.Images;

namespace OpsAutomation.Core.Tests.Deployment.Images;

public sealed class GitImageLabelsTests
{
    [Theory]
    [InlineData("https://user:token@git.example.com/team/web.git", "https://git.example.com/team/web.git")]
    [InlineData("https://token@git.example.com/team/web.git", "https://git.example.com/team/web.git")]
    [InlineData("https://git.example.com/team/web.git", "https://git.example.com/team/web.git")]
    [InlineData("git@git.example.com:team/web.git", "git@git.example.com:team/web.git")]
    public void The_source_label_is_the_remote_without_credentials(string remote, string expected) =>
        Assert.Equal(expected, GitImageLabels.WithoutCredentials(remote));
}
