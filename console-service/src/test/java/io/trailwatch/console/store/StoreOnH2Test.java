package io.trailwatch.console.store;

import org.h2.jdbcx.JdbcDataSource;

import javax.sql.DataSource;
import java.util.UUID;

/** The store on the embedded default: H2 in its PostgreSQL mode, with the settings of the console's own URL. */
class StoreOnH2Test extends StoreTest {

    @Override
    DataSource newDatabase() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1");
        return ds;
    }

    @Override
    String[] migrations() {
        return new String[]{"classpath:db/migration"};
    }
}
