package io.virtiofs.examples.cli;

/** The library's version, from the jar's manifest. */
final class Version {

    private Version() {
    }

    static String current() {
        String version = Version.class.getPackage().getImplementationVersion();
        return version == null ? "development build" : version;
    }
}
