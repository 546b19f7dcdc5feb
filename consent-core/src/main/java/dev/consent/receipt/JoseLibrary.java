package dev.consent.receipt;

/**
 * Whether nimbus-jose-jwt, an optional dependency, can be used: checked before {@link Jose} is first touched, in a
 * class that names none of the library's types, so that a missing library is reported with a clear message rather
 * than a {@link NoClassDefFoundError} from loading {@code Jose}.
 */
final class JoseLibrary {
    private JoseLibrary() {
    }

    /**
     * Fails with an {@link IllegalStateException} that names the missing library. On the module path this module
     * reads nimbus-jose-jwt through its {@code requires static} when the library is a resolved module; when the
     * library is on the class path instead, the read edge is added here, before any use of it.
     */
    static void require() {
        Class<?> jws;
        try {
            jws = Class.forName("com.nimbusds.jose.JWSObject", false, JoseLibrary.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("signing and verifying consent receipts needs com.nimbusds:nimbus-jose-jwt "
                    + "(10.x) on the class path; add it to the application's dependencies (on the module path, module "
                    + "com.nimbusds.jose.jwt must be resolved: required by the application or named in --add-modules)",
                    e);
        }
        Module self = JoseLibrary.class.getModule();
        if (!self.canRead(jws.getModule())) {
            self.addReads(jws.getModule());
        }
    }
}
